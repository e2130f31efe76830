using System.Globalization;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement;
using Mixtral.Cluster.Processes;
using Mixtral.Model.Config;
using Mixtral.Testing;
using Xunit.Abstractions;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// An expert node that hangs (SIGSTOP: sockets open, nothing answers) instead of crashing, on a real cluster with a
/// real Redis: the coordinator hedges its calls to the other copy and opens its breaker, so requests keep their
/// tokens and their pace; after SIGCONT its breaker closes and it serves calls again. Frozen for longer than the
/// cluster's failure detection, it is declared dead and, once resumed, exits with one line and code 75 instead of
/// lingering as a zombie or dying with a stack trace.
/// </summary>
public sealed class HungExpertNodeTests(ITestOutputHelper output)
{
    private static readonly MixtralConfig Config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    private static readonly int[][] Prompts = [[1, 5657, 12325, 9780, 19746, 4071, 16373, 7078], [1, 415, 2936, 9060, 285, 1142]];
    private static readonly NodeCapacity[] Nodes = [new("coord", NodeRole.Coordinator), new("a", NodeRole.Experts), new("b", NodeRole.Experts)];

    /// <summary>Every expert on both expert nodes; replica 0 alternates so each node is the first choice for half of them.</summary>
    private static PlacementPlan ReplicatedPlan() => new(
        ModelFingerprint.Identify(Config), "replicated (test)", Nodes,
        [.. from l in Enumerable.Range(0, Config.NumHiddenLayers)
            from e in Enumerable.Range(0, Config.NumLocalExperts)
            select new ExpertAssignment(l, e, e % 2 == 0 ? ["a", "b"] : ["b", "a"])]);

    /// <summary>Resilience tuned to a tiny model on a shared machine: hedge within 100 ms, open a breaker on 2 calls in 0.5 s.</summary>
    private static readonly string[] Common = ["--wire-dtype", "f32", "--threads", "1", "--step-deadline", "10", "--hedge-max-delay-ms", "100",
        "--breaker-min-calls", "2", "--breaker-window-seconds", "0.5", "--breaker-break-seconds", "1"];

    [Fact]
    public async Task A_hung_expert_node_is_hedged_around_requests_keep_their_tokens_and_pace_and_it_serves_again_after_it_resumes()
    {
        const int Tokens = 400;
        var expected = await Task.WhenAll(Prompts.Select(p => FailoverCluster.SingleProcessGreedyAsync(p, Tokens)));
        int httpPort = FreePort.Next();
        await using var cluster = await ClusterProcesses.StartAsync(ReplicatedPlan(), FixturePaths.TinyMixtral,
            n => n.HostsSharedWeights ? [.. Common, "--http-port", httpPort.ToString(CultureInfo.InvariantCulture)] : Common);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        await FailoverCluster.GenerateAsync(cluster.Client, Prompts[0], 24); // warm-up: JIT, and the hedge delay learns the calls' p99

        // Frozen for 1.5 s: shorter than the cluster's failure detection, so the node is hung, not dead.
        var pause = TimeSpan.FromSeconds(1.5);
        var run = await PausedNodeRun.RunAsync(cluster, "b", Prompts, Tokens, pauseAfterTokens: 10, pause);
        output.WriteLine($"median gap before {Median(run.GapsBefore).TotalMilliseconds:F1} ms; while paused: {run.GapsWhilePaused.Count} gaps, " +
                         $"max {run.MaxGapWhilePaused.TotalMilliseconds:F0} ms, stall per token {run.StallPerToken.TotalMilliseconds:F1} ms");

        for (int i = 0; i < Prompts.Length; i++) Assert.Equal(expected[i], run.Generated[i]);
        Assert.True(run.Arrivals[0][^1] > run.ResumedAt, "the streams should still be generating when the node resumes");
        Assert.NotEmpty(run.GapsWhilePaused);
        // No stream waited for the frozen node: tokens kept arriving while it was stopped, none as late as the hang's length.
        for (int i = 0; i < Prompts.Length; i++)
            Assert.True(run.Arrivals[i].Count(t => t > run.PausedAt && t < run.ResumedAt) >= 2, $"stream {i} produced no tokens while node b was stopped");
        Assert.True(run.MaxGapWhilePaused < pause, $"a token took {run.MaxGapWhilePaused.TotalMilliseconds:F0} ms while node b was stopped for {pause.TotalMilliseconds} ms");

        // The pipeline's counters: hedges and b's breaker opening, from Polly's meter and ours, in /metrics.
        var metrics = await PrometheusScrape.ReadAsync(http);
        Assert.True(metrics.Sum("mixtral_cluster_expert_hedges_total") > 0, metrics.Text);
        Assert.True(metrics.Sum("resilience_polly_strategy_events_total", "event_name=\"OnHedging\"", "pipeline_name=\"expert-call\"") > 0, metrics.Text);
        Assert.True(metrics.Sum("resilience_polly_strategy_events_total", "event_name=\"OnCircuitOpened\"", "pipeline_instance=\"b\"") > 0, metrics.Text);

        // After SIGCONT: a trial call closes b's breaker and b's experts are called again.
        await Wait.UntilAsync(async () =>
        {
            await FailoverCluster.GenerateAsync(cluster.Client, Prompts[1], 8);
            var now = await PrometheusScrape.ReadAsync(http);
            return now.Sum("resilience_polly_strategy_events_total", "event_name=\"OnCircuitClosed\"", "pipeline_instance=\"b\"") > 0
                   && now.Sum("mixtral_cluster_expert_breaker_state", "node=\"b\"") == 0;
        }, TimeSpan.FromSeconds(60), "node b's breaker to close after it resumed");
        string callsToB = "mixtral_cluster_expert_call_duration_milliseconds_count";
        double before = (await PrometheusScrape.ReadAsync(http)).Sum(callsToB, "node=\"b\"");
        Assert.Equal(expected[0][..24], await FailoverCluster.GenerateAsync(cluster.Client, Prompts[0], 24));
        Assert.True((await PrometheusScrape.ReadAsync(http)).Sum(callsToB, "node=\"b\"") > before, "node b should serve calls again");
    }

    [Fact]
    public async Task An_expert_node_frozen_until_declared_dead_exits_with_one_line_and_code_75_once_resumed_while_requests_go_on()
    {
        const int Tokens = 48;
        var expected = await FailoverCluster.SingleProcessGreedyAsync(Prompts[0], Tokens);
        await using var cluster = await ClusterProcesses.StartAsync(ReplicatedPlan(), FixturePaths.TinyMixtral, _ => Common);
        await FailoverCluster.GenerateAsync(cluster.Client, Prompts[0], 8);

        var b = cluster.Node("b");
        await NodeSignals.PauseAsync(b);
        try
        {
            // Generation goes on while b is frozen, then declared dead (a few seconds with the node's membership settings).
            Assert.Equal(expected, await FailoverCluster.GenerateAsync(cluster.Client, Prompts[0], Tokens));
            await Task.Delay(TimeSpan.FromSeconds(12)); // far past failure detection: the hang is the experiment
        }
        finally
        {
            await NodeSignals.ResumeAsync(b);
        }
        int exitCode = await b.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(b.Output);
        Assert.Equal(75, exitCode);
        Assert.Contains("error: node b: the cluster declared this node dead", b.Output);
        Assert.DoesNotContain("FailFast", b.Output);
        Assert.Equal(expected[..24], await FailoverCluster.GenerateAsync(cluster.Client, Prompts[0], 24)); // and the cluster serves on node a
    }

    private static TimeSpan Median(IReadOnlyList<TimeSpan> gaps) => gaps.Count == 0 ? TimeSpan.Zero : gaps.Order().ElementAt(gaps.Count / 2);
}
