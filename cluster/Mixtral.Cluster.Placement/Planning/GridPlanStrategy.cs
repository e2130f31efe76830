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
        // A fixed rule cannot move experts to where there is room: say so instead of returning a plan that does not fit.
        var hosts = ExpertHosts.From(request with { NodeSpeeds = null }, Name);
        for (int h = 0; h < hosts.Count; h++)
        {
            int held = plan.ExpertsOn(hosts.Names[h]).Count();
            if (held > hosts.Slots[h])
                throw new PlacementPlanException(
                    $"{Name} puts {held} experts on node \"{hosts.Names[h]}\", its memory budget holds {hosts.Slots[h]}; " +
                    "give it more memory or use load-balanced or capacity-weighted, which respect budgets");
        }
        return plan;
    }
}
