using Mixtral.Model.Config;
using System.CommandLine;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Reporting;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Engine;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral plan`: which node holds which experts and how many bytes that is, for any model folder (only its
/// config.json is read, so a real 8x7B folder works before the weights are downloaded).
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (only config.json is read)", Required = true };
        var nodes = new Option<string>("--nodes")
        {
            Description = "Comma-separated node names, each optionally NAME:ROLE (coordinator | experts | all); without roles the first node is 'all', the others 'experts'",
            Required = true,
        };
        var strategy = new Option<string>("--strategy")
        {
            Description = "Placement strategy: " + string.Join("; ", PlanStrategies.All.Select(s => $"{s.Name} ({s.Description})")),
            DefaultValueFactory = _ => "round-robin",
        };
        var stats = new Option<string?>("--stats") { Description = "Routing statistics: a JSON file from `mixtral stats --trace`, or a trace from `mixtral trace-routing`" };
        var replicaBudget = new Option<double?>("--replica-budget") { Description = "Extra memory for copies of hot experts, in GB summed over the cluster (replicated)" };
        var nodeSpeed = new Option<string?>("--node-speed") { Description = "Relative node speeds for capacity-weighted, e.g. a=2,b=1 (e.g. measured memory bandwidth)" };
        var stepRows = new Option<double?>("--step-rows") { Description = "Balance time, not rows: rows a layer routes per decode step (batch × experts per token); with --rows-per-read" };
        var rowsPerRead = new Option<double?>("--rows-per-read") { Description = "Rows whose FLOPs cost as much as reading one expert's weights (~150 on a 1 TB/s, 150 TFLOP/s GPU; ~6 on a 40 GB/s, 0.1 TFLOP/s CPU)" };
        var nodeMemory = new Option<string?>("--node-memory") { Description = "Per-node weight memory in GB, e.g. a=24,b=48 (overrides --memory-per-node for those nodes)" };
        var memory = new Option<double?>("--memory-per-node") { Description = "Weight memory budget of every node, in GB (10^9 bytes)" };
        var dtype = new Option<string>("--dtype") { Description = "Weight dtype held on the nodes: bf16 | f16 | int8 | q4 | f32 (int8, q4: the experts as --weights int8|q4 keep them, the rest bf16)", DefaultValueFactory = _ => "bf16" };
        var output = new Option<string?>("--out") { Description = "Write the plan (JSON) here, for `mixtral node --plan`" };
        var json = new Option<bool>("--json") { Description = "Print the per-node report as JSON instead of a table" };

        var command = new Command("plan", "Place experts on nodes and size each node's memory")
        {
            model, nodes, strategy, memory, dtype, output, json, stats, replicaBudget, nodeSpeed, nodeMemory, stepRows, rowsPerRead, PlanSimulateCommand.Create(),
            PlanApplyCommand.Create(),
        };
        command.SetAction(result =>
        {
            var config = ModelFolder.ReadConfig(result.GetValue(model)!);
            Precision weights;
            try { weights = Precisions.Parse(result.GetValue(dtype)!, "--dtype"); }
            catch (ArgumentException e) { throw new CliUsageException(CliApp.OneLine(e), e); }
            double? gb = result.GetValue(memory);
            if (gb is <= 0) throw new CliUsageException($"--memory-per-node must be positive, got {gb}");
            long? budget = gb is double g ? (long)(g * 1e9) : null;
            var capacities = WithNodeMemory(ParseNodes(result.GetValue(nodes)!, budget), result.GetValue(nodeMemory));
            IPlanStrategy placer;
            try { placer = PlanStrategies.Get(result.GetValue(strategy)!); }
            catch (PlacementPlanException e) { throw new CliUsageException($"--strategy: {e.Message}", e); }
            var shape = ModelShape.From(config, weights);
            var statistics = result.GetValue(stats) is string statsPath ? StatisticsInput.Load(statsPath, shape.Identity, "--stats") : null;
            double replicaGb = result.GetValue(replicaBudget) ?? 0;
            if (replicaGb < 0) throw new CliUsageException($"--replica-budget must not be negative, got {replicaGb}");
            var speeds = result.GetValue(nodeSpeed) is string speedText ? NodeValues.Parse(speedText, "--node-speed") : null;

            StepCost? cost = (result.GetValue(stepRows), result.GetValue(rowsPerRead)) switch
            {
                (null, null) => null,
                (double n, double r) when n > 0 && r > 0 => new StepCost(n, r),
                (double, double) => throw new CliUsageException("--step-rows and --rows-per-read must be positive"),
                _ => throw new CliUsageException("--step-rows and --rows-per-read go together"),
            };

            var plan = placer.Place(new PlacementRequest(shape, capacities, statistics, (long)(replicaGb * 1e9), speeds, cost));
            var footprint = PlanFootprint.Compute(plan, config, weights);
            Console.Out.Write(result.GetValue(json) ? PlanReport.From(footprint).ToJson() : PlanTable.Render(footprint));
            if (statistics is not null && !result.GetValue(json))
            {
                var loads = PlanLoads.Compute(plan, statistics);
                Console.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"node load under the statistics: per-layer max/mean {loads.MeanLayerImbalance:F3}, whole-model max/mean {loads.TotalImbalance:F3}, " +
                    $"{plan.Experts.Sum(a => a.Nodes.Count) - plan.Experts.Count} extra copies"));
            }
            var problems = PlanValidator.FindProblems(plan, config, weights);
            if (problems.Count > 0)
            {
                Console.Error.WriteLine($"error: the plan does not fit: {string.Join("; ", problems)}");
                return CliApp.Failure;
            }
            if (result.GetValue(output) is string path)
            {
                File.WriteAllText(path, plan.ToJson());
                Console.Error.WriteLine($"wrote {path}");
            }
            return 0;
        });
        return command;
    }

    private static List<NodeCapacity> WithNodeMemory(List<NodeCapacity> nodes, string? text)
    {
        if (text is null) return nodes;
        var gb = NodeValues.Parse(text, "--node-memory");
        if (gb.Keys.FirstOrDefault(n => nodes.All(c => c.Name != n)) is string unknown)
            throw new CliUsageException($"--node-memory: \"{unknown}\" is not one of the --nodes");
        return nodes.Select(n => gb.TryGetValue(n.Name, out double g) ? n with { MemoryBudgetBytes = (long)(g * 1e9) } : n).ToList();
    }

    internal static List<NodeCapacity> ParseNodes(string text, long? budget)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new CliUsageException("--nodes: give at least one node name");
        bool anyRole = items.Any(i => i.Contains(':', StringComparison.Ordinal));
        var nodes = new List<NodeCapacity>();
        for (int i = 0; i < items.Length; i++)
        {
            var parts = items[i].Split(':');
            if (parts.Length > 2 || parts[0].Length == 0) throw new CliUsageException($"--nodes: \"{items[i]}\" is not NAME or NAME:ROLE");
            NodeRole role = parts.Length == 2 ? ParseRole(parts[1], items[i]) : (!anyRole && i == 0 ? NodeRole.All : NodeRole.Experts);
            nodes.Add(new NodeCapacity(parts[0], role, budget));
        }
        foreach (var dup in nodes.GroupBy(n => n.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            throw new CliUsageException($"--nodes: node \"{dup.Key}\" is listed {dup.Count()} times");
        // The coordinator holds the KV caches and runs every request; a second one would hold a second copy of the
        // shared weights that nothing routes to.
        var coordinators = nodes.Where(n => n.Role is NodeRole.Coordinator or NodeRole.All).ToList();
        if (coordinators.Count > 1)
            throw new CliUsageException($"--nodes: only one node may be the coordinator (role coordinator or all), got " +
                                        string.Join(", ", coordinators.Select(n => $"\"{n.Name}\" ({n.Role.Name()})")));
        return nodes;
    }

    private static NodeRole ParseRole(string text, string where)
    {
        try { return NodeRoles.Parse(text, $"--nodes \"{where}\""); }
        catch (ArgumentException e) { throw new CliUsageException(e.Message, e); }
    }
}
