using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Strategies;

/// <summary>
/// Experts split into contiguous blocks: expert host i of N gets experts [i·E/N, (i+1)·E/N) of every layer
/// (integer division, so block sizes differ by at most one). Same per-node counts as round-robin, different sets:
/// useful to compare when routing statistics favour neighbouring expert ids.
/// </summary>
public sealed class ContiguousStrategy : IPlacementStrategy
{
    public string Name => "contiguous";

    public PlacementPlan Place(MixtralConfig config, IReadOnlyList<NodeCapacity> nodes) =>
        ExpertGrid.Fill(config, nodes, Name, (expert, hosts) => Owner(expert, config.NumLocalExperts, hosts));

    public PlacementPlan Place(ModelIdentity model, int layers, int experts, IReadOnlyList<NodeCapacity> nodes) =>
        ExpertGrid.Fill(model, layers, experts, nodes, Name, (expert, hosts) => Owner(expert, experts, hosts));

    private static string Owner(int expert, int experts, IReadOnlyList<string> hosts)
    {
        // The i with i·E/N ≤ expert < (i+1)·E/N: the largest i whose block starts at or before the expert.
        int host = hosts.Count - 1;
        while ((long)host * experts / hosts.Count > expert) host--;
        return hosts[host];
    }
}
