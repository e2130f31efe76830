using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// Collects the copies of every (layer, expert) with their load shares and writes the plan: copies ordered by share
/// (the first is also the failover primary), weights only where an expert has more than one copy, rounded to 4
/// decimals with the last absorbing the rounding so they sum to 1.
/// </summary>
internal sealed class PlanBuilder(ModelShape model, IReadOnlyList<NodeCapacity> nodes, string strategy)
{
    private readonly List<(string Node, double Share)>[,] _copies = New(model.Layers, model.Experts);

    public void Add(int layer, int expert, string node, double share) => _copies[layer, expert].Add((node, share));

    public PlacementPlan Build()
    {
        var assignments = new List<ExpertAssignment>(model.Layers * model.Experts);
        for (int l = 0; l < model.Layers; l++)
            for (int e = 0; e < model.Experts; e++)
            {
                var copies = _copies[l, e].OrderByDescending(c => c.Share).ToList();
                if (copies.Count == 0) throw new InvalidOperationException($"{strategy} left L{l}.E{e} without an owner");
                assignments.Add(new ExpertAssignment(l, e, copies.Select(c => c.Node).ToArray(), copies.Count == 1 ? null : Weights(copies)));
            }
        return new PlacementPlan(model.Identity, strategy, [.. nodes], assignments);
    }

    private static double[] Weights(List<(string Node, double Share)> copies)
    {
        double total = copies.Sum(c => c.Share);
        var w = copies.Select(c => total > 0 ? Math.Round(c.Share / total, 4) : Math.Round(1.0 / copies.Count, 4)).ToArray();
        w[^1] = Math.Round(1 - w[..^1].Sum(), 4);
        if (w[^1] < 0) (w[0], w[^1]) = (Math.Round(w[0] + w[^1], 4), 0); // rounding pushed the smallest below zero
        return w;
    }

    private static List<(string, double)>[,] New(int layers, int experts)
    {
        var a = new List<(string, double)>[layers, experts];
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < experts; e++)
                a[l, e] = [];
        return a;
    }
}
