using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Reporting;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Validation;

/// <summary>
/// The start-up check of a plan against the model and the nodes. Reports every problem at once, each naming
/// what is wrong (the expert, the node, the bytes), so an operator fixes the plan in one pass.
/// </summary>
public static class PlanValidator
{
    /// <summary>Throws <see cref="PlacementPlanException"/> listing every problem; returns the footprint when the plan is usable.</summary>
    public static PlanFootprint Validate(PlacementPlan plan, MixtralConfig config, Precision dtype, string source = "placement plan")
    {
        var problems = FindProblems(plan, config, dtype);
        if (problems.Count > 0)
            throw new PlacementPlanException($"{source} rejected:\n  - {string.Join("\n  - ", problems)}");
        return PlanFootprint.Compute(plan, config, dtype);
    }

    public static IReadOnlyList<string> FindProblems(PlacementPlan plan, MixtralConfig config, Precision dtype)
    {
        var problems = new List<string>();
        var model = ModelFingerprint.Identify(config);
        if (plan.Model.NumHiddenLayers != model.NumHiddenLayers || plan.Model.NumLocalExperts != model.NumLocalExperts)
        {
            problems.Add($"plan is for a model with {plan.Model.NumHiddenLayers} layers × {plan.Model.NumLocalExperts} experts, " +
                         $"this model has {model.NumHiddenLayers} layers × {model.NumLocalExperts} experts");
            return problems; // every other check would only echo the mismatch
        }
        if (plan.Model.Fingerprint != model.Fingerprint)
            problems.Add($"plan was made for model fingerprint {plan.Model.Fingerprint}, this model's is {model.Fingerprint} " +
                         "(same layer and expert counts, different shapes)");

        problems.AddRange(NodeListProblems(plan));
        problems.AddRange(AssignmentProblems(plan, config));
        if (problems.Count == 0)
            problems.AddRange(BudgetProblems(plan, config, dtype)); // sizes only mean something for a well-formed plan
        return problems;
    }

    private static IEnumerable<string> NodeListProblems(PlacementPlan plan)
    {
        if (plan.Nodes.Count == 0) yield return "plan lists no nodes";
        foreach (var dup in plan.Nodes.GroupBy(n => n.Name).Where(g => g.Count() > 1))
            yield return $"node \"{dup.Key}\" is listed {dup.Count()} times";
        if (plan.Nodes.Count > 0 && !plan.Nodes.Any(n => n.HostsSharedWeights))
            yield return "no node has role coordinator or all: nothing would hold the shared weights (embeddings, attention, routers, norms, LM head)";
        // The coordinator is one grain holding every KV cache; a second coordinator node would load a second copy of the
        // shared weights that nothing routes to (the coordinator goes on the first), so a plan naming two is a mistake.
        var coordinators = plan.Nodes.Where(n => n.HostsSharedWeights).ToList();
        if (coordinators.Count > 1)
            yield return $"only one node may be the coordinator (role coordinator or all), got {coordinators.Count}: " +
                         string.Join(", ", coordinators.Select(n => $"\"{n.Name}\" ({n.Role.Name()})"));
        foreach (var node in plan.Nodes.Where(n => n.MemoryBudgetBytes is <= 0))
            yield return $"node \"{node.Name}\" has a memory budget of {node.MemoryBudgetBytes} bytes; it must be positive (or absent for no limit)";
    }

    private static IEnumerable<string> AssignmentProblems(PlacementPlan plan, MixtralConfig config)
    {
        int layers = config.NumHiddenLayers, experts = config.NumLocalExperts;
        var owned = new bool[layers, experts];
        var unknownOwners = new Dictionary<string, List<ExpertKey>>();
        var known = plan.Nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var entry in plan.Experts.GroupBy(a => (a.Layer, a.Expert)).OrderBy(g => g.Key))
        {
            var (layer, expert) = entry.Key;
            string name = $"L{layer}.E{expert}";
            if (layer < 0 || layer >= layers || expert < 0 || expert >= experts)
            {
                yield return $"{name} is outside the model (layers 0-{layers - 1}, experts 0-{experts - 1})";
                continue;
            }
            if (entry.Count() > 1) yield return $"{name} is listed {entry.Count()} times; list each expert once with all its nodes";
            var owners = entry.SelectMany(a => a.Nodes).ToList();
            foreach (string twice in owners.GroupBy(o => o).Where(g => g.Count() > 1).Select(g => g.Key))
                yield return $"{name} lists node \"{twice}\" more than once";
            foreach (string owner in owners.Distinct())
            {
                if (!known.Contains(owner))
                {
                    if (!unknownOwners.TryGetValue(owner, out var keys)) unknownOwners[owner] = keys = [];
                    keys.Add(new ExpertKey(layer, expert));
                }
            }
            owned[layer, expert] = owners.Count > 0;
        }

        string nodeNames = string.Join(", ", plan.Nodes.Select(n => n.Name));
        foreach (var (node, keys) in unknownOwners.OrderBy(u => u.Key, StringComparer.Ordinal))
            yield return $"unknown node \"{node}\" owns {keys.Count} expert(s) ({ExpertRangeText.Format(keys)}); the plan's nodes are: {nodeNames}";

        foreach (var node in plan.Nodes.Where(n => !n.HostsExperts))
        {
            var hosted = plan.ExpertsOn(node.Name).ToList();
            if (hosted.Count > 0)
                yield return $"node \"{node.Name}\" has role {node.Role.ToString().ToLowerInvariant()} but owns {hosted.Count} expert(s) ({ExpertRangeText.Format(hosted)})";
        }

        var unowned = new List<ExpertKey>();
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < experts; e++)
                if (!owned[l, e]) unowned.Add(new ExpertKey(l, e));
        if (unowned.Count > 0)
            yield return $"{unowned.Count} expert(s) left unowned: {ExpertRangeText.Format(unowned)}";
    }

    private static IEnumerable<string> BudgetProblems(PlacementPlan plan, MixtralConfig config, Precision dtype) =>
        from node in PlanFootprint.Compute(plan, config, dtype).Nodes
        where node.OverBudget
        select $"node \"{node.Node.Name}\" needs {ByteText.GbWithBytes(node.TotalBytes)} for {node.Experts.Count} expert(s)" +
               (node.SharedBytes > 0 ? " + the shared weights" : "") +
               $" in {dtype.ShortName()}, over its budget of {ByteText.GbWithBytes(node.Node.MemoryBudgetBytes!.Value)}";
}
