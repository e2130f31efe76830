using System.Globalization;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Config;
using Mixtral.PlacementSim;

// Usage: Mixtral.PlacementSim --config CONFIG.json --trace NAME=TRACE.jsonl [--trace …] [--out DIR]
// Each trace is split in two: the first half gives the routing statistics the plans are made from, the second half
// is replayed (plans are judged on routing they did not see).
var args_ = Args.Parse(args);
var config = MixtralConfig.Load(args_.Config);
var traces = args_.Traces.ToDictionary(t => t.Name, t => RoutingTokens.Group(RoutingTraceFile.Load(t.Path), t.Path));
var commodity = NodeModel.CommodityGpu;
var cpu = new NodeModel(40e9, 0.116e12); // this project's 2-core build machines: ~40 GB/s read, ~116 GFLOP/s (ENVIRONMENT.md)
var halfSpeed = new NodeModel(0.5e12, 75e12); // an older or smaller GPU: half the bandwidth and FLOPs

var scenarios = new List<Scenario>();
foreach (string trace in traces.Keys)
{
    foreach (string net in new[] { "10gbe", "25gbe" })
        foreach (var dtype in new[] { Precision.BFloat16, Precision.Int8 })
            foreach (int batch in new[] { 1, 32 })
                scenarios.Add(new Scenario(trace, "8 × 24 GB GPU", Scenario.Same(8, commodity, 20), LinkModel.Preset(net), dtype, batch, ReplicaBudgetGb: 40));
    // What one call per node (each token sent once, weighted sum back) would change where the link is the bottleneck.
    scenarios.Add(new Scenario(trace, "8 × 24 GB GPU", Scenario.Same(8, commodity, 20), LinkModel.Preset("10gbe"), Precision.BFloat16, 32, ReplicaBudgetGb: 40, CallsPerNode: true));
    // Heterogeneous: two fast 24 GB GPUs and two at half the bandwidth with 16 GB (int8 so the model fits in 64 GB).
    var mixed = new[] { (commodity, 20.0), (commodity, 20.0), (halfSpeed, 12.0), (halfSpeed, 12.0) };
    foreach (int batch in new[] { 1, 32 })
        scenarios.Add(new Scenario(trace, "2 fast + 2 half-speed GPUs", mixed, LinkModel.Preset("10gbe"), Precision.Int8, batch, ReplicaBudgetGb: 10));
    foreach (int batch in new[] { 1, 32, 128 })
        scenarios.Add(new Scenario(trace, "4 × CPU node", Scenario.Same(4, cpu, 48), LinkModel.Preset("10gbe"), Precision.BFloat16, batch, ReplicaBudgetGb: 40));
}

var results = new List<ScenarioResults>();
int done = 0;
foreach (var s in scenarios)
{
    var tokens = traces[s.Trace];
    int half = tokens.Count / 2;
    var planning = tokens.Take(half).ToList();
    var replay = tokens.Skip(half).ToList();
    var model = SimulatedModel.From(config, s.DType);
    var stats = StatisticsOf(planning, config.NumLocalExperts);
    var nodes = s.Nodes.Select((n, i) => new NodeCapacity($"n{i}", i == 0 ? NodeRole.All : NodeRole.Experts, (long)(n.WeightGb * 1e9))).ToArray();
    // capacity-weighted reads the speeds (bandwidth, what decode is bound by); the other strategies ignore them.
    var speeds = nodes.Select((n, i) => (n.Name, s.Nodes[i].Model.WeightBytesPerSecond / 1e12)).ToDictionary(p => p.Name, p => p.Item2);
    var request = new PlacementRequest(model.Shape, nodes, stats, (long)(s.ReplicaBudgetGb * 1e9), speeds);
    var overrides = nodes.Select((n, i) => (n.Name, s.Nodes[i].Model)).ToDictionary(p => p.Name, p => p.Model);
    var cluster = new SimulatedCluster(s.Link, s.Nodes[0].Model, CallOverheadSeconds: 50e-6, overrides, s.CallsPerNode);
    var row = PlanStrategies.All.Select(strategy => PlacementSimulator.Run(strategy.Place(request), replay, model, cluster, s.Batch)).ToList();
    // The same strategies balancing time instead of rows: a copy costs a weight read plus its rows' FLOPs at this batch.
    var node = s.Nodes[0].Model;
    var cost = new StepCost(s.Batch * config.NumExpertsPerTok,
        StepCost.RowsPerRead(model.Shape.BytesPerExpert, model.FlopsPerExpertRow, node.WeightBytesPerSecond, node.FlopsPerSecond));
    foreach (var strategy in new IPlanStrategy[] { new LoadBalancedStrategy(), new ReplicatedStrategy() })
        row.Add(PlacementSimulator.Run(strategy.Place(request with { Cost = cost }), replay, model, cluster, s.Batch) with { Strategy = strategy.Name + "+cost" });
    results.Add(new ScenarioResults(s, row));
    Console.Error.Write($"\rsimulated {++done}/{scenarios.Count} scenarios × {row.Count} strategies");
}
Console.Error.WriteLine();

Directory.CreateDirectory(args_.OutDir);
foreach (var (name, tokens) in traces)
    RoutingHeatmap.Write(StatisticsOf(tokens, config.NumLocalExperts), name, Path.Combine(args_.OutDir, $"placement-routing-{name}.png"));
string png = Path.Combine(args_.OutDir, "placement-simulated.png");
PlacementChart.Write(results, png);
string md = Path.Combine(args_.OutDir, "placement-simulated.md");
File.WriteAllText(md, PlacementReport.Render(results, traces.ToDictionary(t => t.Key, t => t.Value.Count), args_, Path.GetFileName(png)));
Console.WriteLine($"wrote {md} and {png}");
foreach (var r in results)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Scenario.Trace,-12} {r.Scenario.Label,-40} round-robin {r.Of("round-robin").TokensPerSecond,8:F1} tok/s, best {r.Best.Strategy} {r.Best.TokensPerSecond,8:F1} tok/s"));

static RoutingStatistics StatisticsOf(IReadOnlyList<RoutedToken> tokens, int experts)
{
    var builder = new RoutingStatisticsBuilder(tokens[0].Experts.Length, experts, tokens[0].Experts[0].Length);
    foreach (var t in tokens) builder.AddToken(t.Experts);
    return builder.Build();
}
