using System.CommandLine;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Reporting;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Serving;

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
        var strategy = new Option<string>("--strategy") { Description = $"Placement strategy: {string.Join(" | ", PlacementStrategies.All.Select(s => s.Name))}", DefaultValueFactory = _ => "round-robin" };
        var memory = new Option<double?>("--memory-per-node") { Description = "Weight memory budget of every node, in GB (10^9 bytes)" };
        var dtype = new Option<string>("--dtype") { Description = "Weight dtype held on the nodes: bf16 | f16 | int8 | q4 | f32 (int8, q4: the experts as --weights int8|q4 keep them, the rest bf16)", DefaultValueFactory = _ => "bf16" };
        var output = new Option<string?>("--out") { Description = "Write the plan (JSON) here, for `mixtral node --plan`" };
        var json = new Option<bool>("--json") { Description = "Print the per-node report as JSON instead of a table" };

        var command = new Command("plan", "Place experts on nodes and size each node's memory") { model, nodes, strategy, memory, dtype, output, json };
        command.SetAction(result =>
        {
            var config = ModelFolder.ReadConfig(result.GetValue(model)!);
            WeightDType weights;
            try { weights = WeightDTypeNames.Parse(result.GetValue(dtype)!); }
            catch (ArgumentException e) { throw new CliUsageException(CliApp.OneLine(e), e); }
            double? gb = result.GetValue(memory);
            if (gb is <= 0) throw new CliUsageException($"--memory-per-node must be positive, got {gb}");
            long? budget = gb is double g ? (long)(g * 1e9) : null;
            var capacities = ParseNodes(result.GetValue(nodes)!, budget);
            IPlacementStrategy placer;
            try { placer = PlacementStrategies.Get(result.GetValue(strategy)!); }
            catch (PlacementPlanException e) { throw new CliUsageException($"--strategy: {e.Message}", e); }

            var plan = placer.Place(config, capacities);
            var footprint = PlanFootprint.Compute(plan, config, weights);
            Console.Out.Write(result.GetValue(json) ? PlanReport.From(footprint).ToJson() : PlanTable.Render(footprint));
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
        return nodes;
    }

    internal static NodeRole ParseRole(string text, string where) => text.ToLowerInvariant() switch
    {
        "coordinator" => NodeRole.Coordinator,
        "experts" => NodeRole.Experts,
        "all" => NodeRole.All,
        _ => throw new CliUsageException($"\"{where}\": role \"{text}\" is not coordinator, experts or all"),
    };
}
