using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Mixtral.Cluster.Contracts.Wire;
using Polly;
using Polly.CircuitBreaker;
using Polly.Hedging;
using Polly.Retry;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The one resilience pipeline every expert call goes through, outermost first:
/// <list type="number">
/// <item>retry with jittered exponential backoff when every copy failed (transient errors only);</item>
/// <item>hedging across the expert's copies: a call still unanswered after p99 × k of recent calls of its size
/// (<see cref="HedgeDelay"/>) is also sent to the next copy and the first answer wins; a copy that fails hands over
/// at once;</item>
/// <item>per node (<see cref="NodeHealth"/>): a circuit breaker, then the per-attempt timeout.</item>
/// </list>
/// The step deadline (<see cref="Steps"/>) bounds all of it. An expert call is a pure function of its rows, so sending it
/// twice or again is always safe. Telemetry: Polly's meter "Polly" (pipeline.name expert-call / expert-node), plus
/// hedges and retries on the coordinator's "Mixtral.Cluster" meter.
/// </summary>
public sealed class ExpertCallResilience
{
    public const string PipelineName = "expert-call";
    public const string HedgesName = "mixtral.cluster.expert.hedges";
    /// <summary>Polly's hedging takes at most 10 hedged attempts; copies past the 11th are never raced.</summary>
    private const int MaxHedgedAttempts = 10;

    private static readonly ResiliencePropertyKey<CopyCall> CallKey = new("mixtral.expert-call");
    private static readonly ResiliencePropertyKey<int> AttemptKey = new("mixtral.expert-call.attempt");

    private readonly ResiliencePipeline<HiddenStateBatch> _pipeline;
    private readonly TimeProvider _time;
    private readonly Counter<long>? _hedges;
    private readonly FanOutMetrics? _metrics;

    public ExpertCallResilience(ExpertCallOptions options, NodeHealth nodes, FanOutMetrics? metrics = null, TimeProvider? time = null)
    {
        options.Validate();
        Options = options;
        Nodes = nodes;
        _time = time ?? TimeProvider.System;
        Latencies = new HedgeDelay(options);
        Steps = new StepDeadline(options.StepDeadline, _time);
        _metrics = metrics;
        _hedges = metrics?.Meter.CreateCounter<long>(HedgesName, "{call}", "Expert calls also sent to another copy because the first was slow or failed");
        _pipeline = new ResiliencePipelineBuilder<HiddenStateBatch> { Name = PipelineName, TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<HiddenStateBatch>
            {
                Name = "retry",
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
                OnRetry = args =>
                {
                    metrics?.Retried();
                    args.Context.Properties.GetValue(CallKey, null!)?.NewRound(); // order the copies afresh: breakers may have moved
                    return ValueTask.CompletedTask;
                },
            })
            .AddHedging(new HedgingStrategyOptions<HiddenStateBatch>
            {
                Name = "hedging",
                MaxHedgedAttempts = MaxHedgedAttempts,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
                // Infinite = fall-over only: the next copy is tried when one fails, never raced.
                DelayGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(CallKey, null!).HedgeAfter),
                ActionGenerator = args =>
                {
                    var call = args.PrimaryContext.Properties.GetValue(CallKey, null!);
                    if (args.AttemptNumber >= call.Copies) return null; // every copy is already in the race
                    return () =>
                    {
                        args.ActionContext.Properties.Set(AttemptKey, args.AttemptNumber);
                        return args.Callback(args.ActionContext);
                    };
                },
                OnHedging = _ =>
                {
                    _hedges?.Add(1);
                    return ValueTask.CompletedTask;
                },
            })
            .ConfigureTelemetry(NullLoggerFactory.Instance) // metrics only: a hedge is routine, not a log line
            .Build();
    }

    public ExpertCallOptions Options { get; }
    public NodeHealth Nodes { get; }
    public HedgeDelay Latencies { get; }
    public StepDeadline Steps { get; }

    /// <summary>
    /// One expert call: <paramref name="callCopy"/>(replica, token) makes one attempt on copy <c>replica</c> of
    /// <paramref name="owners"/>; <paramref name="preferred"/> is the copy to try first (load shares), else plan order.
    /// </summary>
    public async Task<HiddenStateBatch> ExecuteAsync(IReadOnlyList<string> owners, int? preferred, int rows,
        Func<int, CancellationToken, Task<HiddenStateBatch>> callCopy, CancellationToken cancellationToken)
    {
        var hedgeAfter = Options.Hedging && owners.Count > 1 ? Latencies.For(rows) : Timeout.InfiniteTimeSpan;
        var call = new CopyCall(this, owners, preferred, rows, hedgeAfter, callCopy, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CallKey, call);
        try
        {
            return await _pipeline.ExecuteAsync(static (ctx, c) => c.AttemptAsync(ctx), context, call).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// Worth another attempt or another copy: anything but a bad request (wrong shape or dtype fails the same way
    /// everywhere) or the caller giving up. Orleans' connection errors share no base type, hence the inversion.
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        WireFormatException or ArgumentException => false,
        OperationCanceledException => false, // the caller gave up; a timed-out attempt is a TimeoutRejectedException
        _ => true,
    };

    /// <summary>What opens a node's breaker: its failures and timeouts, and losing a hedge race while hung; not a bad
    /// request (the node is fine) nor a cancelled attempt that was not slow.</summary>
    public static bool CountsAgainstNode(Exception e) => e is ExpertCopyOvertakenException || (IsTransient(e) && e is not BrokenCircuitException);

    /// <summary>One call's state across its attempts: the copies, the order they are tried in this round, the hedge delay.</summary>
    private sealed class CopyCall(ExpertCallResilience resilience, IReadOnlyList<string> owners, int? preferred, int rows, TimeSpan hedgeAfter,
        Func<int, CancellationToken, Task<HiddenStateBatch>> callCopy, CancellationToken callerToken)
    {
        private readonly Lock _gate = new();
        private int[]? _order;

        public int Copies => Math.Min(owners.Count, MaxHedgedAttempts + 1);
        public TimeSpan HedgeAfter => hedgeAfter;

        public void NewRound()
        {
            lock (_gate) _order = null;
        }

        public async ValueTask<HiddenStateBatch> AttemptAsync(ResilienceContext context)
        {
            int attempt = context.Properties.GetValue(AttemptKey, 0);
            int[] order;
            lock (_gate) order = _order ??= resilience.Nodes.Order(owners, preferred);
            int replica = order[attempt % order.Length];
            string node = owners[replica];
            // Every copy avoided: the breakers would refuse them all, so try anyway without them.
            var pipeline = owners.All(resilience.Nodes.IsAvoided) ? resilience.Nodes.LastResort : resilience.Nodes.For(node);
            var attemptToken = context.CancellationToken; // cancelled by hedging when another copy answered first
            long started = resilience._time.GetTimestamp();
            HiddenStateBatch answer;
            try
            {
                answer = await ExecuteOnAsync(pipeline, context, replica, node, started, attemptToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && e is not (ExpertCopyOvertakenException or BrokenCircuitException) && attempt + 1 < Copies)
            {
                // A failed attempt that the next copy takes over at once: a retry on another copy, counted as one (the
                // retry strategy counts those after every copy failed).
                resilience._metrics?.Retried();
                throw;
            }
            resilience.Latencies.Record(rows, Elapsed(started));
            return answer;
        }

        private ValueTask<HiddenStateBatch> ExecuteOnAsync(ResiliencePipeline<HiddenStateBatch> pipeline, ResilienceContext context, int replica, string node,
            long started, CancellationToken attemptToken) =>
            pipeline.ExecuteAsync(static async (ctx, s) =>
            {
                try
                {
                    return await s.Call.CallCopyAsync(s.Replica, ctx.CancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (s.Call.Overtaken(s.Started, s.AttemptToken))
                {
                    throw new ExpertCopyOvertakenException(s.Node, s.Call.Elapsed(s.Started));
                }
            }, context, (Call: this, Replica: replica, Node: node, AttemptToken: attemptToken, Started: started));

        private Task<HiddenStateBatch> CallCopyAsync(int replica, CancellationToken token) => callCopy(replica, token);

        private TimeSpan Elapsed(long started) => resilience._time.GetElapsedTime(started);

        /// <summary>Hedging cancelled this attempt (not the caller, not the timeout) after it had run past the hedge delay.</summary>
        private bool Overtaken(long started, CancellationToken attemptToken) =>
            hedgeAfter > TimeSpan.Zero && attemptToken.IsCancellationRequested && !callerToken.IsCancellationRequested
            && Elapsed(started) >= hedgeAfter - HedgeTimerSlack;

        /// <summary>Polly starts its hedge timer just before it runs the first attempt, which reads its own start a moment
        /// later: a copy overtaken right at the hedge delay has run a few microseconds less than it.</summary>
        private static readonly TimeSpan HedgeTimerSlack = TimeSpan.FromMilliseconds(2);
    }
}
