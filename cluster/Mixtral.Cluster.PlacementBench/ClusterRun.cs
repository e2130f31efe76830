using System.Globalization;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Workloads;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>
/// One plan on a real cluster: redis-server and one `mixtral node` process per node on loopback, the emulated network
/// on the coordinator's expert calls (the only calls that cross nodes), a short warm-up, then the workload, with the
/// coordinator's and every node's counters read before and after and the statistics grain's routing diffed over the run.
/// </summary>
internal sealed class ClusterRun(PlacementBenchOptions options, int layers, int experts, int expertsPerToken)
{
    public async Task<StrategyMeasurement> MeasureAsync(string strategy, PlacementPlan plan, int vocabulary, Action<string> log,
        Func<MixtralClusterClient, Task>? afterWarmUp = null)
    {
        log($"[{strategy}] starting redis-server and {plan.Nodes.Count} `mixtral node` processes (network {options.Network} on the coordinator's expert calls)");
        await using var cluster = await ClusterProcesses.StartAsync(plan, options.Model, NodeArgs);
        var client = cluster.Client;
        // Activates every expert grain and the statistics grain, and warms the JIT: not measured.
        await WorkloadDriver.RunAsync(client, WarmUp(options.Workload), vocabulary, _ => { }, TimeSpan.FromHours(1));
        if (afterWarmUp is not null) await afterWarmUp(client);

        var before = await client.StatusAsync();
        // Every step the engine ran so far (the warm-up) must have reached the statistics grain before the counts are taken.
        var routingBefore = await SettledRoutingAsync(client, before.Coordinator!.TokensProcessed);
        await client.ResetMetricsAsync();
        log($"[{strategy}] running workload {options.Workload.Name}: {options.Workload.Requests} requests, concurrency {options.Workload.Concurrency}");
        var run = await WorkloadDriver.RunAsync(client, options.Workload, vocabulary, line => log($"[{strategy}] {line}"), TimeSpan.FromSeconds(5));
        var after = await client.StatusAsync();
        var c0 = before.Coordinator!;
        var c1 = after.Coordinator!;
        long rows = c1.TokensProcessed - c0.TokensProcessed;
        var routingAfter = await SettledRoutingAsync(client, routingBefore.Tokens + rows);
        var routing = Difference(routingBefore, routingAfter);
        var loads = PlanLoads.Compute(plan, routing);
        var nodeLoads = loads.Nodes.Select((name, i) =>
        {
            var n0 = before.Nodes.First(n => n.Name == name);
            var n1 = after.Nodes.First(n => n.Name == name);
            return new NodeLoad(name, n1.ExpertCalls - n0.ExpertCalls, n1.ExpertComputeMs - n0.ExpertComputeMs, loads.Total[i]);
        }).ToList();
        long steps = c1.Steps - c0.Steps;
        double stepMs = (c1.StepTotalMs - c0.StepTotalMs) / Math.Max(1, steps);
        var m = new StrategyMeasurement(strategy, plan, run.Requests.Count, run.Tokens, run.WallSeconds,
            WorkloadDriver.Percentile(run.Requests.Select(r => r.LatencyMs), 0.50),
            WorkloadDriver.Percentile(run.Requests.Select(r => r.LatencyMs), 0.99),
            WorkloadDriver.Percentile(run.Requests.Select(r => r.FirstTokenMs), 0.50),
            steps, rows, stepMs, c1.FanOutTotalMs / Math.Max(1e-9, c1.StepTotalMs - c0.StepTotalMs), c1.FanOutP50Ms,
            c1.ExpertCalls, c1.FanOuts, c1.WireBytes, nodeLoads, loads.MeanLayerImbalance);
        log(string.Create(CultureInfo.InvariantCulture,
            $"[{strategy}] {m.TokensPerSecond:F1} tok/s, p50 {m.P50LatencyMs:F0} ms, p99 {m.P99LatencyMs:F0} ms, node rows max/mean {m.NodeImbalance:F2} (per layer {m.LayerImbalance:F2}), {m.CallsPerFanOut:F1} calls per fan-out"));
        return m;
    }

    private IEnumerable<string> NodeArgs(NodeCapacity node)
    {
        string batch = Math.Max(32, options.Workload.Concurrency).ToString(CultureInfo.InvariantCulture);
        // Every expert call crosses a link here, the coordinator's own node's too, as the simulator and the wire
        // arithmetic this bench reports assume (a node computing its own experts in place would skip the link).
        string[] common = ["--threads", options.ThreadsPerNode.ToString(CultureInfo.InvariantCulture), "--wire-dtype", options.WireDType, "--max-batch-sequences", batch,
            "--local-experts-via-grains", "true"];
        if (options.EmulateDevice is string device) common = [.. common, "--emulate-device", device];
        return node.HostsSharedWeights && options.Network != "none" ? [.. common, "--network", options.Network] : common;
    }

    /// <summary>Every request of the workload once, with few output tokens and no arrival gaps.</summary>
    internal static Workload WarmUp(Workload w) => w with
    {
        Requests = Math.Min(w.Requests, w.Concurrency),
        ArrivalRatePerSecond = null,
        OutputTokens = new FixedLength(Math.Min(4, w.OutputTokens.Max)),
        PromptTokens = new FixedLength(Math.Min(8, w.PromptTokens.Max)),
        Seed = w.Seed + 1,
    };

    /// <summary>The statistics grain's counts once the routing stream has delivered <paramref name="tokens"/> routed
    /// tokens (the stream is asynchronous: the last steps may arrive after the last token); after 30 s, what it has.</summary>
    private static async Task<RoutingStatistics> SettledRoutingAsync(MixtralClusterClient client, long tokens)
    {
        RoutingStatistics? last = null;
        for (int i = 0; i < 300; i++)
        {
            var snapshot = await client.RoutingStatisticsAsync();
            last = RoutingStatistics.FromJson(snapshot.StatisticsJson, "statistics grain");
            if (last.Tokens >= tokens) return last;
            await Task.Delay(100);
        }
        return last!;
    }

    private RoutingStatistics Difference(RoutingStatistics a, RoutingStatistics b)
    {
        long[][] Diff2(long[][] x, long[][] y) => [.. x.Select((row, i) => row.Select((v, j) => y[i][j] - v).ToArray())];
        return new RoutingStatistics(layers, experts, expertsPerToken, b.Tokens - a.Tokens, Diff2(a.Load, b.Load),
            [.. a.NextLayer.Select((m, l) => Diff2(m, b.NextLayer[l]))], [.. a.Pairs.Select((m, l) => Diff2(m, b.Pairs[l]))]);
    }
}
