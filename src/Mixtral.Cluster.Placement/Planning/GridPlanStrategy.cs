using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>The statistics-free strategies (round-robin, contiguous) behind the request interface: shape in, plan out.</summary>
internal sealed class GridPlanStrategy(IPlacementStrategy inner, string description) : IPlanStrategy
{
    public string Name => inner.Name;
    public string Description => description;

    public PlacementPlan Place(PlacementRequest request)
    {
        var plan = inner.Place(request.Model.Identity, request.Model.Layers, request.Model.Experts, request.Nodes);
        // Budgets are checked by the same rule as the load-aware strategies.
        _ = ExpertHosts.From(request with { NodeSpeeds = null }, Name);
        return plan;
    }
}
