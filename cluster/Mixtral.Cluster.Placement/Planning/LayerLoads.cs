using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>Per-layer expert loads as shares of the layer's rows (each layer sums to 1): measured, or uniform without statistics.</summary>
internal static class LayerLoads
{
    public static double[][] From(PlacementRequest request, string strategy, bool required)
    {
        var model = request.Model;
        if (request.Statistics is not { } stats)
        {
            if (required) throw new PlacementPlanException($"{strategy} needs routing statistics (--stats FILE: a trace from `mixtral trace-routing` or its `mixtral stats --trace` JSON)");
            return Enumerable.Range(0, model.Layers).Select(_ => Enumerable.Repeat(1.0 / model.Experts, model.Experts).ToArray()).ToArray();
        }
        stats.RequireShape(model.Identity, "statistics");
        return Enumerable.Range(0, model.Layers).Select(stats.LoadShare).ToArray();
    }
}
