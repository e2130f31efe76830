using Mixtral.Cluster.Grains.Nodes;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>The coordinator goes on the plan's first node with role coordinator (or all); while that node is down, on a
/// surviving node that can hold the shared weights (<see cref="FallbackPlacement"/>).</summary>
public sealed class CoordinatorPlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class CoordinatorPlacementAttribute() : PlacementAttribute(new CoordinatorPlacementStrategy());

public sealed class CoordinatorPlacementDirector(NodeSettings settings, NodeSiloLocator locator, FallbackPlacement fallback) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var node = settings.Plan.Nodes.FirstOrDefault(n => n.HostsSharedWeights)
            ?? throw new OrleansException("the placement plan has no node with role coordinator or all");
        // The coordinator's node is gone: a surviving node that can hold the shared weights takes over.
        if (!fallback.IsActive(node.Name)) return Task.FromResult(fallback.ForCoordinator(target, context));
        return Task.FromResult(locator.Locate(node.Name, target, context, "the coordinator"));
    }
}

/// <summary>A node grain lives on the node it is named after.</summary>
public sealed class NodePlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodePlacementAttribute() : PlacementAttribute(new NodePlacementStrategy());

public sealed class NodePlacementDirector(NodeSiloLocator locator) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string node = target.GrainIdentity.Key.ToString()!;
        return Task.FromResult(locator.Locate(node, target, context, $"node grain \"{node}\""));
    }
}
