using System.Globalization;
using System.Text;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>What `mixtral bench placement --simulate` models: N identical nodes of a given bandwidth, FLOP rate and
/// weight memory, each network × expert dtype × batch of the grid, the given per-call overhead.</summary>
public sealed record SimulatedGridOptions(string Model, string TracePath, int Nodes, IReadOnlyList<string> Strategies, IReadOnlyList<string> Networks,
    IReadOnlyList<Precision> DTypes, IReadOnlyList<int> Batches, double NodeBandwidthGBps, double NodeTflops, double MemoryPerNodeGb,
    double ReplicaBudgetGb, double CallOverheadUs, string OutDir, string ReportName);

/// <summary>
/// `mixtral bench placement --simulate`: the trace's first half makes the routing statistics the plans come from, its
/// second half is replayed through every plan on the modelled cluster, for every cell of the grid. Both coordinator
/// uplinks are shown: shared (one NIC like the nodes': every remote row crosses it) and unlimited (only the per-node
/// links, what the real benchmark's emulation does).
/// </summary>
public static class SimulatedGrid
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Run(SimulatedGridOptions o, MixtralConfig config, string command, Action<string> log)
    {
        var tokens = RoutingTokens.Group(RoutingTraceFile.Load(o.TracePath), o.TracePath);
        if (tokens.Count < 4) throw new ArgumentException($"--trace: {o.TracePath} has {tokens.Count} tokens, too few to split into statistics and replay");
        if (tokens[0].Experts.Length != config.NumHiddenLayers)
            throw new ArgumentException($"--trace: {o.TracePath} has {tokens[0].Experts.Length} layers, --model {config.NumHiddenLayers}");
        int half = tokens.Count / 2;
        var builder = new RoutingStatisticsBuilder(config.NumHiddenLayers, config.NumLocalExperts, config.NumExpertsPerTok);
        foreach (var t in tokens.Take(half)) builder.AddToken(t.Experts);
        var stats = builder.Build();
        var replay = tokens.Skip(half).ToList();
        var nodes = Enumerable.Range(0, o.Nodes).Select(i => new NodeCapacity($"n{i}", i == 0 ? NodeRole.All : NodeRole.Experts, (long)(o.MemoryPerNodeGb * 1e9))).ToList();
        var node = new NodeModel(o.NodeBandwidthGBps * 1e9, o.NodeTflops * 1e12);

        var md = new StringBuilder();
        md.AppendLine(Inv, $"# Placement on a simulated cluster: {o.Nodes} nodes × {o.MemoryPerNodeGb} GB for weights, {o.NodeBandwidthGBps} GB/s, {o.NodeTflops} TFLOP/s");
        md.AppendLine();
        md.AppendLine(Inv, $"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `{command}`. **Simulated** (deterministic arithmetic; the CPU it ran on changes nothing). Model dimensions from `{o.Model}` ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}, intermediate {config.IntermediateSize}); routing: trace `{o.TracePath}`, first {half} tokens → statistics for the plans, last {replay.Count} replayed. Per-call overhead {o.CallOverheadUs} µs; replica budget {o.ReplicaBudgetGb} GB; n0 is the coordinator and holds experts too.");
        md.AppendLine();
        var columns = o.Strategies.Concat(o.Strategies.Where(s => s is "load-balanced" or "replicated").Select(s => s + "+cost")).ToList();
        md.AppendLine("| network | experts | batch | coordinator uplink | " + string.Join(" | ", columns.Select(s => s + " tok/s")) + " | best × RR | best | best: row max/mean per layer, weight reads max/mean |");
        md.AppendLine("|---|---|---:|---|" + string.Concat(columns.Select(_ => "---:|")) + "---:|---|---:|");
        foreach (string net in o.Networks)
            foreach (var dtype in o.DTypes)
                foreach (int batch in o.Batches)
                    foreach (bool shared in new[] { true, false })
                    {
                        var model = SimulatedModel.From(config, dtype);
                        var request = new PlacementRequest(model.Shape, nodes, stats, (long)(o.ReplicaBudgetGb * 1e9));
                        var cluster = new SimulatedCluster(LinkModel.Preset(net), node, o.CallOverheadUs * 1e-6, CoordinatorLinkShared: shared);
                        var results = o.Strategies.Select(s => PlacementSimulator.Run(PlanStrategies.Get(s).Place(request), replay, model, cluster, batch)).ToList();
                        // The same strategies balancing time instead of rows: a copy costs a weight read plus its rows' FLOPs.
                        var cost = new StepCost(batch * config.NumExpertsPerTok,
                            StepCost.RowsPerRead(model.Shape.BytesPerExpert, model.FlopsPerExpertRow, node.WeightBytesPerSecond, node.FlopsPerSecond));
                        foreach (string s in o.Strategies.Where(s => s is "load-balanced" or "replicated"))
                            results.Add(PlacementSimulator.Run(PlanStrategies.Get(s).Place(request with { Cost = cost }), replay, model, cluster, batch) with { Strategy = s + "+cost" });
                        var rr = results.FirstOrDefault(x => x.Strategy == "round-robin") ?? results[0];
                        var best = results.MaxBy(x => x.TokensPerSecond)!;
                        md.AppendLine(string.Create(Inv, $"| {net} | {dtype.ShortName()} | {batch} | {(shared ? "shared (1 NIC)" : "unlimited")} | ") +
                                     string.Join(" | ", results.Select(x => x.TokensPerSecond.ToString("F1", Inv))) +
                                     string.Create(Inv, $" | {best.TokensPerSecond / rr.TokensPerSecond:F2} | {best.Strategy} | {best.LayerImbalance:F2}, {best.ReadImbalance:F2} |"));
                        log(string.Create(Inv, $"simulated {net} {dtype.ShortName()} batch {batch} uplink {(shared ? "shared" : "unlimited")}: best {best.Strategy} {best.TokensPerSecond:F1} tok/s ({best.TokensPerSecond / rr.TokensPerSecond:F2}× round-robin)"));
                    }
        md.AppendLine();
        md.AppendLine("`+cost`: the strategy balancing time, not rows (a copy that gets any row reads all its weights, then its rows' FLOPs; `StepCost`). Weight reads max/mean: distinct experts a node runs per layer-step, what memory-bound decode waits for.");
        md.AppendLine();
        md.AppendLine("tok/s = decode tokens per second of the whole cluster at that batch (batch ÷ mean step). Shared uplink: every remote row also crosses the coordinator's one link, so a layer takes at least its total bytes ÷ bandwidth whatever the placement; unlimited: only each node's own link (a coordinator with a faster uplink, or what `--network` emulates on one machine).");
        Directory.CreateDirectory(o.OutDir);
        string path = Path.Combine(o.OutDir, o.ReportName + ".md");
        File.WriteAllText(path, md.ToString());
        return path;
    }
}
