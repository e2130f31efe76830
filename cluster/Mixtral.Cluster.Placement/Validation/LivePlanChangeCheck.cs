using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Reporting;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Validation;

/// <summary>A node of the running cluster as a live plan change sees it: its name and the memory budget it was started with.</summary>
public sealed record RunningNode(string Name, long? MemoryBudgetBytes);

/// <summary>
/// The check before a live plan change: the new plan must pass <see cref="PlanValidator"/>, name only nodes that are
/// running, keep the coordinator where it runs (its KV caches and requests in flight cannot move), and fit every
/// node's memory budget while the node holds both its old and its new expert copies (the warm phase; copies of the same
/// expert on one node share their weights). Every problem is reported at once.
/// </summary>
public static class LivePlanChangeCheck
{
    public static IReadOnlyList<string> FindProblems(PlacementPlan serving, PlacementPlan next, MixtralConfig config, Precision dtype,
        IReadOnlyList<RunningNode> running, string coordinatorNode)
    {
        var problems = new List<string>(PlanValidator.FindProblems(next, config, dtype));
        var byName = running.ToDictionary(n => n.Name, StringComparer.Ordinal);
        string active = string.Join(", ", running.Select(n => n.Name).Order(StringComparer.Ordinal));
        foreach (var node in next.Nodes.Where(n => !byName.ContainsKey(n.Name)))
            problems.Add($"node \"{node.Name}\" is not a running member of the cluster (running: {active})");

        string? nextCoordinator = next.Nodes.FirstOrDefault(n => n.HostsSharedWeights)?.Name;
        if (nextCoordinator is not null && nextCoordinator != coordinatorNode)
            problems.Add($"the coordinator runs on node \"{coordinatorNode}\" and a live change cannot move it (its KV caches hold the requests in " +
                         $"flight), but the plan's first coordinator node is \"{nextCoordinator}\"");
        if (problems.Count > 0) return problems; // sizes only mean something for a usable plan on running nodes

        var sizing = new ModelSizing(config, dtype);
        foreach (var node in running)
        {
            if (node.MemoryBudgetBytes is not long budget) continue;
            int experts = serving.ExpertsOn(node.Name).Concat(next.ExpertsOn(node.Name)).Select(k => (k.Layer, k.Expert)).Distinct().Count();
            bool shared = node.Name == coordinatorNode;
            long bytes = experts * sizing.BytesPerExpert + (shared ? sizing.SharedBytes : 0);
            if (bytes > budget)
                problems.Add($"node \"{node.Name}\" would hold {ByteText.GbWithBytes(bytes)} while the new copies warm ({experts} distinct expert(s), old " +
                             $"and new{(shared ? ", + the shared weights" : "")} in {dtype.ShortName()}), over its budget of {ByteText.GbWithBytes(budget)}");
        }
        return problems;
    }
}
