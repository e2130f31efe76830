using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Strategies;

/// <summary>Builds a single-owner plan over every (layer, expert) from a per-expert choice among the expert hosts.</summary>
internal static class ExpertGrid
{
    public static PlacementPlan Fill(
        MixtralConfig config, IReadOnlyList<NodeCapacity> nodes, string strategy, Func<int, IReadOnlyList<string>, string> ownerOfExpert) =>
        Fill(ModelFingerprint.Identify(config), config.NumHiddenLayers, config.NumLocalExperts, nodes, strategy, ownerOfExpert);

    /// <summary>The same from the model's shape as plain numbers (no config needed).</summary>
    public static PlacementPlan Fill(
        ModelIdentity model, int layers, int experts, IReadOnlyList<NodeCapacity> nodes, string strategy, Func<int, IReadOnlyList<string>, string> ownerOfExpert)
    {
        string[] duplicates = nodes.GroupBy(n => n.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0)
            throw new PlacementPlanException($"{strategy}: node name(s) listed twice: {string.Join(", ", duplicates)}");
        string[] hosts = nodes.Where(n => n.HostsExperts).Select(n => n.Name).ToArray();
        if (hosts.Length == 0)
            throw new PlacementPlanException(
                $"{strategy}: no node can host experts (nodes: {string.Join(", ", nodes.Select(n => $"{n.Name} ({n.Role.ToString().ToLowerInvariant()})"))}); " +
                "give at least one node the role experts or all");

        var assignments = new List<ExpertAssignment>(layers * experts);
        for (int layer = 0; layer < layers; layer++)
            for (int expert = 0; expert < experts; expert++)
                assignments.Add(new ExpertAssignment(layer, expert, [ownerOfExpert(expert, hosts)]));
        return new PlacementPlan(model, strategy, [.. nodes], assignments);
    }
}
