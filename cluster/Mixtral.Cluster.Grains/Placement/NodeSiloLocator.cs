using Orleans.Runtime.Placement;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>Finds the silo of a node by name: a node's name is its silo name, published in cluster membership.</summary>
public sealed class NodeSiloLocator(IClusterMembershipService membership)
{
    public SiloAddress Locate(string node, PlacementTarget target, IPlacementContext context, string what)
    {
        var compatible = context.GetCompatibleSilos(target).ToHashSet();
        foreach (var member in membership.CurrentSnapshot.Members.Values)
            if (member.Status == SiloStatus.Active && member.Name == node && compatible.Contains(member.SiloAddress))
                return member.SiloAddress;
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Order();
        throw new OrleansException($"{what} belongs on node \"{node}\", which is not an active member of the cluster (active nodes: {string.Join(", ", active)})");
    }
}
