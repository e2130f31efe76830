using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// For heterogeneous nodes: every layer's load is split in proportion to node speed (given speeds, e.g. measured
/// memory bandwidth; without them, in proportion to the expert copies each node's memory budget holds), so a node
/// twice as fast gets about twice the load. Uses routing statistics when given, uniform loads otherwise.
/// </summary>
public sealed class CapacityWeightedStrategy : IPlanStrategy
{
    public string Name => "capacity-weighted";

    public string Description => "give faster (--node-speed) or larger (--node-memory) nodes proportionally more load";

    public PlacementPlan Place(PlacementRequest request)
    {
        if (request.NodeSpeeds is null)
        {
            // No speeds: a node's share follows its room for experts (all equal when no node has a budget).
            var hosts = ExpertHosts.From(request, Name);
            if (hosts.Slots.All(s => s != int.MaxValue))
                request = request with { NodeSpeeds = hosts.Names.Zip(hosts.Slots).ToDictionary(p => p.First, p => (double)Math.Max(1, p.Second)) };
        }
        return LoadBalancedStrategy.Pack(request, Name, requireStatistics: false, equalSpeeds: false);
    }
}
