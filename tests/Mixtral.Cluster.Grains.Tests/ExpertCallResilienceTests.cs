using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Experts;
using Polly.CircuitBreaker;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// The expert-call pipeline on fake copies (no cluster): a hung copy is overtaken by a hedge, a failing node's breaker
/// opens and a trial call after the break closes it, the step deadline fails a step that waits on hung copies, and a
/// bad request is neither retried nor hedged nor held against its node.
/// </summary>
public sealed class ExpertCallResilienceTests
{
    private static readonly HiddenStateBatch Rows = HiddenStateBatch.Encode([1f, 2f], 1, 2, WireDType.Float32);
    private static HiddenStateBatch Answer(float value) => HiddenStateBatch.Encode([value, value], 1, 2, WireDType.Float32);

    /// <summary>Copies that answer as told, recording which were called; "hang" never answers until cancelled.</summary>
    private sealed class FakeCopies(params Func<CancellationToken, Task<HiddenStateBatch>>[] copies)
    {
        public ConcurrentQueue<int> Called { get; } = new();
        public Task<HiddenStateBatch> CallAsync(int replica, CancellationToken token)
        {
            Called.Enqueue(replica);
            return copies[replica](token);
        }
    }

    private static Task<HiddenStateBatch> Hang(CancellationToken token) => Task.Delay(Timeout.Infinite, token).ContinueWith<HiddenStateBatch>(
        _ => throw new OperationCanceledException(token), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    private static Func<CancellationToken, Task<HiddenStateBatch>> Answers(float value) => _ => Task.FromResult(Answer(value));

    [Fact]
    public async Task A_hung_copy_is_overtaken_by_a_hedge_to_another_copy_which_wins()
    {
        var options = new ExpertCallOptions { HedgeMinDelay = TimeSpan.FromMilliseconds(10), HedgeMaxDelay = TimeSpan.FromMilliseconds(50) };
        using var metrics = new FanOutMetrics();
        using var hedges = new CounterReader(metrics.Meter, ExpertCallResilience.HedgesName);
        using var health = new NodeHealth(options, metrics);
        var resilience = new ExpertCallResilience(options, health, metrics);
        var copies = new FakeCopies(Hang, Answers(7));

        var clock = Stopwatch.StartNew();
        var answer = await resilience.ExecuteAsync(["hung", "live"], null, 1, copies.CallAsync, CancellationToken.None);

        Assert.Equal(Answer(7).Payload.ToArray(), answer.Payload.ToArray());
        Assert.Equal([0, 1], copies.Called);
        Assert.Equal(1, hedges.Total);
        // Won after the hedge delay (50 ms until a p99 is known), not after the 30 s attempt timeout.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the hedged call took {clock.Elapsed}");
    }

    [Fact]
    public async Task Without_hedging_a_hung_copy_is_waited_for_until_its_attempt_times_out_then_the_next_copy_answers()
    {
        var options = new ExpertCallOptions { HedgeFactor = 0, AttemptTimeout = TimeSpan.FromMilliseconds(200) };
        using var health = new NodeHealth(options);
        var resilience = new ExpertCallResilience(options, health);
        var copies = new FakeCopies(Hang, Answers(3));

        var clock = Stopwatch.StartNew();
        var answer = await resilience.ExecuteAsync(["hung", "live"], null, 1, copies.CallAsync, CancellationToken.None);

        Assert.Equal(Answer(3).Payload.ToArray(), answer.Payload.ToArray());
        Assert.Equal([0, 1], copies.Called);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"the second copy was called after {clock.Elapsed}, before the attempt timeout");
    }

    [Fact]
    public async Task A_failing_node_opens_its_breaker_is_skipped_and_a_trial_call_after_the_break_closes_it()
    {
        var time = new FakeTimeProvider();
        var options = new ExpertCallOptions { BreakerMinimumCalls = 2, BreakerFailureRatio = 0.5, BreakerBreakDuration = TimeSpan.FromSeconds(5) };
        using var health = new NodeHealth(options, time: time);
        var resilience = new ExpertCallResilience(options, health, time: time);
        bool nodeADown = true;
        CircuitState? stateDuringTrial = null;
        var copies = new FakeCopies(
            _ =>
            {
                stateDuringTrial = health.StateOf("a");
                return nodeADown ? Task.FromException<HiddenStateBatch>(new InvalidOperationException("connection to node a lost")) : Task.FromResult(Answer(1));
            },
            Answers(2));

        for (int i = 0; i < 3; i++) // each call fails over from a to b at once
            Assert.Equal(Answer(2).Payload.ToArray(), (await resilience.ExecuteAsync(["a", "b"], null, 1, copies.CallAsync, CancellationToken.None)).Payload.ToArray());
        Assert.Equal(CircuitState.Open, health.StateOf("a"));
        Assert.True(health.IsAvoided("a"));
        Assert.Equal([1, 0], health.Order(["a", "b"]));

        copies.Called.Clear();
        await resilience.ExecuteAsync(["a", "b"], null, 1, copies.CallAsync, CancellationToken.None);
        Assert.Equal([1], copies.Called); // node a is not even tried while open

        nodeADown = false;
        time.Advance(TimeSpan.FromSeconds(5)); // the break is over: a is tried first again, as a half-open trial
        Assert.False(health.IsAvoided("a"));
        copies.Called.Clear();
        var answer = await resilience.ExecuteAsync(["a", "b"], null, 1, copies.CallAsync, CancellationToken.None);
        Assert.Equal(Answer(1).Payload.ToArray(), answer.Payload.ToArray());
        Assert.Equal([0], copies.Called);
        Assert.Equal(CircuitState.HalfOpen, stateDuringTrial);
        Assert.Equal(CircuitState.Closed, health.StateOf("a"));
    }

    [Fact]
    public async Task A_node_that_keeps_losing_hedge_races_opens_its_breaker_though_it_never_fails_a_call()
    {
        var options = new ExpertCallOptions
        {
            HedgeMinDelay = TimeSpan.FromMilliseconds(5), HedgeMaxDelay = TimeSpan.FromMilliseconds(20), BreakerMinimumCalls = 3,
            BreakerSamplingDuration = TimeSpan.FromMinutes(1), // the three races may spread over seconds on a loaded machine
        };
        using var health = new NodeHealth(options);
        var resilience = new ExpertCallResilience(options, health);
        var copies = new FakeCopies(Hang, Answers(2));
        // Three lost races open it. On a loaded machine a race can be lost before the hung attempt has run its hedge delay
        // (its start was read late); that one is a plain cancellation, not counted, so race on until it opens (every call
        // answered by the live copy), within a bound that says the breaker does open.
        int races = 0;
        var stillClosed = Stopwatch.StartNew();
        while (health.StateOf("hung") != CircuitState.Open && races < 20)
        {
            var answer = await resilience.ExecuteAsync(["hung", "live"], null, 1, copies.CallAsync, CancellationToken.None);
            Assert.Equal(Answer(2).Payload.ToArray(), answer.Payload.ToArray());
            if (++races < 3) continue;
            // The losers' outcomes reach the breaker as their attempts unwind, just after the winners return.
            stillClosed.Restart();
            while (health.StateOf("hung") != CircuitState.Open && stillClosed.Elapsed < TimeSpan.FromSeconds(2)) await Task.Delay(10);
        }
        Assert.True(health.StateOf("hung") == CircuitState.Open, $"node \"hung\" lost {races} hedge races and its breaker is still {health.StateOf("hung")}");
        copies.Called.Clear();
        await resilience.ExecuteAsync(["hung", "live"], null, 1, copies.CallAsync, CancellationToken.None);
        Assert.Equal([1], copies.Called); // straight to the live copy: no hedge delay paid any more
    }

    [Fact]
    public async Task A_bad_request_is_neither_retried_nor_hedged_nor_held_against_the_node()
    {
        var options = new ExpertCallOptions { BreakerMinimumCalls = 2 };
        using var health = new NodeHealth(options);
        var resilience = new ExpertCallResilience(options, health);
        var copies = new FakeCopies(_ => Task.FromException<HiddenStateBatch>(new WireFormatException("rows have hidden size 3, this model's is 2")), Answers(2));
        for (int i = 0; i < 4; i++)
        {
            var e = await Assert.ThrowsAsync<WireFormatException>(() => resilience.ExecuteAsync(["a", "b"], null, 1, copies.CallAsync, CancellationToken.None));
            Assert.Contains("hidden size 3", e.Message);
        }
        Assert.Equal([0, 0, 0, 0], copies.Called); // one attempt each, never the other copy
        Assert.Equal(CircuitState.Closed, health.StateOf("a"));
    }

    [Fact]
    public async Task A_transient_failure_of_the_only_copy_is_retried_with_backoff()
    {
        var options = new ExpertCallOptions { MaxRetries = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5) };
        using var metrics = new FanOutMetrics();
        using var window = new FanOutWindow(metrics);
        using var health = new NodeHealth(options);
        var resilience = new ExpertCallResilience(options, health, metrics);
        int failures = 2;
        var copies = new FakeCopies(_ => Interlocked.Decrement(ref failures) >= 0
            ? Task.FromException<HiddenStateBatch>(new TimeoutException("no answer")) : Task.FromResult(Answer(5)));
        var answer = await resilience.ExecuteAsync(["only"], null, 1, copies.CallAsync, CancellationToken.None);
        Assert.Equal(Answer(5).Payload.ToArray(), answer.Payload.ToArray());
        Assert.Equal(3, copies.Called.Count);
        Assert.Equal(2, window.Retries);
    }

    [Fact]
    public async Task The_step_deadline_fails_a_step_whose_copies_never_answer_naming_the_layer_and_what_it_waited_on()
    {
        var options = new ExpertCallOptions { StepDeadline = TimeSpan.FromMilliseconds(300), HedgeMaxDelay = TimeSpan.FromMilliseconds(20) };
        using var health = new NodeHealth(options);
        var resilience = new ExpertCallResilience(options, health);
        var copies = new FakeCopies(Hang, Hang);

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<StepDeadlineExceededException>(() => resilience.Steps.RunAsync(0,
            step => resilience.ExecuteAsync(["a", "b"], null, 1, copies.CallAsync, step), () => "expert 3 (nodes a, b)", CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the deadline of 0.3 s fired after {clock.Elapsed}");
        Assert.StartsWith("the step passed its deadline of 0.3 s (--step-deadline) at layer 0, still waiting on expert 3 (nodes a, b)", e.Message, StringComparison.Ordinal);
        Assert.Contains(0, copies.Called); // (whether the hedge to copy 1 was also sent depends on the machine's load)
    }

    [Fact]
    public async Task The_layers_of_one_step_share_its_deadline_and_the_next_step_starts_afresh()
    {
        var time = new FakeTimeProvider();
        var deadline = new StepDeadline(TimeSpan.FromSeconds(1), time);
        await deadline.RunAsync(0, _ => { time.Advance(TimeSpan.FromMilliseconds(700)); return Task.FromResult(0); }, () => "", CancellationToken.None);
        var layer1 = deadline.RunAsync(1, async token => { await Task.Delay(Timeout.Infinite, token); return 0; }, () => "expert 0 (node a)", CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(300)); // 1 s since layer 0 began: past the step's deadline
        var e = await Assert.ThrowsAsync<StepDeadlineExceededException>(() => layer1);
        Assert.Contains("at layer 1", e.Message);

        // Layer 0 again: a new step with the whole second.
        var next = deadline.RunAsync(0, async token => { await Task.Delay(TimeSpan.FromMilliseconds(500), time, token); return 7; }, () => "", CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(7, await next);
    }

    [Fact]
    public void The_hedge_delay_is_p99_times_k_of_calls_of_the_same_size_between_its_floor_and_cap()
    {
        var options = new ExpertCallOptions { HedgeFactor = 3, HedgeMinDelay = TimeSpan.FromMilliseconds(20), HedgeMaxDelay = TimeSpan.FromSeconds(1) };
        var delay = new HedgeDelay(options);
        Assert.Equal(TimeSpan.FromSeconds(1), delay.For(1)); // nothing seen yet: the cap
        for (int ms = 1; ms <= 100; ms++) delay.Record(1, TimeSpan.FromMilliseconds(ms));
        Assert.Equal(TimeSpan.FromMilliseconds(3 * 100), delay.For(1)); // p99 of 1..100 ms (nearest rank, rounded up) is 100 ms
        Assert.Equal(TimeSpan.FromSeconds(1), delay.For(64)); // another size class has its own window
        for (int i = 0; i < 100; i++) delay.Record(64, TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(1), delay.For(64)); // capped
        for (int i = 0; i < 300; i++) delay.Record(2, TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(20), delay.For(2)); // floored
    }

    /// <summary>Sums one counter of one meter instance (not the process's other meters of the same name).</summary>
    private sealed class CounterReader : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public CounterReader(Meter meter, string name)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == name) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);
        public void Dispose() => _listener.Dispose();
    }
}
