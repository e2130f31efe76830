using Mixtral.Cluster.Grains.Nodes;
using Orleans.Runtime.Placement;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>Finds the silo of a node by name: a node's name is its silo name, published in cluster membership.</summary>
public sealed class NodeSiloLocator(NodeSettings settings, IClusterMembershipService membership)
{
    /// <summary>
    /// This silo places its own grains on itself whatever its view of membership says: while a node starts (its warm-up
    /// runs) its own snapshot may not list it as active yet, and a node restarted after a failure would otherwise send
    /// its experts to the node that stood in for it.
    /// </summary>
    public bool IsThisNode(string node) => node == settings.NodeName;

    public bool IsActive(string node) =>
        IsThisNode(node) || membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && m.Name == node);

    public SiloAddress Locate(string node, PlacementTarget target, IPlacementContext context, string what)
    {
        if (IsThisNode(node)) return context.LocalSilo;
        var compatible = context.GetCompatibleSilos(target).ToHashSet();
        foreach (var member in membership.CurrentSnapshot.Members.Values)
            if (member.Status == SiloStatus.Active && member.Name == node && compatible.Contains(member.SiloAddress))
                return member.SiloAddress;
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Order();
        throw new OrleansException($"{what} belongs on node \"{node}\", which is not an active member of the cluster (active nodes: {string.Join(", ", active)})");
    }
}
