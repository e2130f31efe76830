using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Routing;

/// <summary>
/// The load a plan puts on each node under measured routing: every (layer, expert)'s tokens split over its copies by
/// the plan's shares (<see cref="ExpertAssignment.ShareOf"/>). Nodes are the plan's expert hosts, in plan order.
/// </summary>
public sealed class PlanLoads
{
    private PlanLoads(string[] nodes, double[][] perLayer)
    {
        Nodes = nodes;
        PerLayer = perLayer;
    }

    public string[] Nodes { get; }

    /// <summary>[layer][node] expected tokens.</summary>
    public double[][] PerLayer { get; }

    /// <summary>Tokens per node summed over layers.</summary>
    public double[] Total => Enumerable.Range(0, Nodes.Length).Select(n => PerLayer.Sum(l => l[n])).ToArray();

    /// <summary>Mean over layers of max/mean node load in that layer: what a layer's fan-out waits for.</summary>
    public double MeanLayerImbalance => PerLayer.Average(Imbalance);

    /// <summary>max/mean of the whole-model node totals.</summary>
    public double TotalImbalance => Imbalance(Total);

    public static PlanLoads Compute(PlacementPlan plan, RoutingStatistics stats)
    {
        stats.RequireShape(plan.Model, "statistics");
        string[] nodes = plan.Nodes.Where(n => n.HostsExperts).Select(n => n.Name).ToArray();
        var index = nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var perLayer = Enumerable.Range(0, stats.Layers).Select(_ => new double[nodes.Length]).ToArray();
        foreach (var a in plan.Experts)
            for (int r = 0; r < a.Nodes.Count; r++)
                perLayer[a.Layer][index[a.Nodes[r]]] += stats.Load[a.Layer][a.Expert] * a.ShareOf(r);
        return new PlanLoads(nodes, perLayer);
    }

    private static double Imbalance(double[] load)
    {
        double mean = load.Average();
        return mean == 0 ? 1 : load.Max() / mean;
    }
}
