using Mixtral.Cluster.Contracts.Experts;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>Expert grains go where the placement plan says: replica r of (layer, expert) on the plan's r-th owner.</summary>
public sealed class ExpertPlacementStrategy : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ExpertPlacementAttribute() : PlacementAttribute(new ExpertPlacementStrategy());

/// <summary>The director only looks the plan up; strategies that make plans live in Mixtral.Cluster.Placement.</summary>
public sealed class ExpertPlacementDirector(LivePlan plans, NodeSiloLocator locator, FallbackPlacement fallback) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = ExpertKey.Parse(target.GrainIdentity.Key.ToString()!);
        var owners = plans.PlanOf(key.Generation).OwnersOf(key.Layer, key.Expert); // the plan of the copy's generation
        if (key.Replica >= owners.Count)
            throw new OrleansException($"expert {key}: the plan lists {owners.Count} owner(s) for L{key.Layer}.E{key.Expert}, so replica {key.Replica} does not exist");
        string owner = owners[key.Replica];
        // The plan's node is gone (died, or not started yet): a surviving node loads the expert from its checkpoint.
        if (!fallback.IsActive(owner)) return Task.FromResult(fallback.ForExpert(key, owner, target, context));
        return Task.FromResult(locator.Locate(owner, target, context, $"expert {key}"));
    }
}
