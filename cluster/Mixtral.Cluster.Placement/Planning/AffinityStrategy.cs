using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// Co-locates experts that tokens choose together, within a load cap, one copy each. Layer by layer, experts from the
/// heaviest down go to the host with the most affinity among those whose layer load stays within
/// (1 + <see cref="Slack"/>) × the layer's longest-processing-time maximum; ties go to the least-loaded host.
/// <para><b>layer-affinity</b>: affinity = how often a token that chose an expert of layer l−1 placed on the host
/// chooses this expert at layer l (ExFlow's inter-layer affinity): fewer node changes between consecutive layers,
/// which saves hops when nodes forward tokens directly (or lets a node prefetch/speculate its next layer).</para>
/// <para><b>pair-affinity</b>: affinity = how often a token chooses this expert together with one already on the
/// host in the same layer: in a coordinator-centric cluster (every token comes home after each layer) it is the
/// affinity that saves calls, two calls becoming one per token-layer.</para>
/// </summary>
public sealed class AffinityStrategy : IPlanStrategy
{
    public const double Slack = 0.10;

    private readonly bool _acrossLayers;

    private AffinityStrategy(string name, bool acrossLayers, string description) => (Name, _acrossLayers, Description) = (name, acrossLayers, description);

    public static AffinityStrategy LayerAffinity { get; } = new("layer-affinity", acrossLayers: true,
        "co-locate experts consecutive layers choose together: fewer node changes per token (needs --stats)");

    public static AffinityStrategy PairAffinity { get; } = new("pair-affinity", acrossLayers: false,
        "co-locate the experts a token chooses together in one layer: fewer calls per token (needs --stats)");

    public string Name { get; }
    public string Description { get; }

    public PlacementPlan Place(PlacementRequest request)
    {
        var model = request.Model;
        var hosts = ExpertHosts.From(request with { NodeSpeeds = null }, Name);
        var loads = LayerLoads.From(request, Name, required: true);
        var stats = request.Statistics!;
        var packer = new LoadPacker(hosts);
        var plan = new PlanBuilder(model, request.Nodes, Name);
        int[] previous = [];
        for (int l = 0; l < model.Layers; l++)
        {
            double cap = LptMaximum(loads[l], hosts.Count) * (1 + Slack);
            var layerLoad = new double[hosts.Count];
            int[] hostOfExpert = Enumerable.Repeat(-1, model.Experts).ToArray();
            foreach (int e in _acrossLayers ? Enumerable.Range(0, model.Experts).OrderByDescending(e => loads[l][e]).ThenBy(e => e) : PairOrder(stats, l, loads[l], cap))
            {
                double load = loads[l][e];
                int best = -1;
                double bestScore = 0;
                bool bestFits = false;
                for (int h = 0; h < hosts.Count; h++)
                {
                    if (packer.SlotsLeft(h) == 0) continue;
                    bool fits = layerLoad[h] + load <= cap + 1e-12;
                    double score = fits ? Affinity(stats, l, e, h, previous, hostOfExpert) : 0;
                    bool better = best < 0
                        || (fits && !bestFits)
                        || (fits == bestFits && (score > bestScore + 1e-12
                            || (Math.Abs(score - bestScore) <= 1e-12 && packer.Better(h, best, load, layerLoad))));
                    if (better) (best, bestScore, bestFits) = (h, score, fits);
                }
                if (best < 0) throw new PlacementPlanException($"{Name}: no host has room for L{l}.E{e}");
                packer.Take(best, load, layerLoad);
                hostOfExpert[e] = best;
                plan.Add(l, e, hosts.Names[best], 1);
            }
            previous = hostOfExpert;
        }
        return plan.Build();
    }

    /// <summary>
    /// Tokens that chose the expert together with the host's experts, beyond what independent choices would give
    /// (hot experts co-occur with everything; only the excess is affinity).
    /// </summary>
    private double Affinity(RoutingStatistics stats, int layer, int expert, int host, int[] previousLayerHosts, int[] thisLayerHosts)
    {
        double excess = 0, tokens = Math.Max(1, stats.Tokens);
        if (_acrossLayers)
        {
            for (int i = 0; i < previousLayerHosts.Length; i++)
                if (previousLayerHosts[i] == host)
                    excess += stats.NextLayer[layer - 1][i][expert] - stats.Load[layer - 1][i] * (double)stats.Load[layer][expert] / tokens;
        }
        else
        {
            for (int j = 0; j < thisLayerHosts.Length; j++)
                if (thisLayerHosts[j] == host) excess += PairExcess(stats, layer, expert, j);
        }
        return Math.Max(0, excess);
    }

    private static double PairExcess(RoutingStatistics stats, int layer, int i, int j)
    {
        // Independent top-k: P(i and j) ≈ P(i)·P(j)·(k−1)/k, which keeps Σ_j pairs(i, j) = (k−1)·load(i).
        double k = stats.ExpertsPerToken, tokens = Math.Max(1, stats.Tokens);
        return stats.Pairs[layer][i][j] - stats.Load[layer][i] * (double)stats.Load[layer][j] / tokens * (k - 1) / k;
    }

    /// <summary>
    /// For pair affinity the greedy must see partners together (placed one by one, an expert would settle next to
    /// anything it co-occurs with by chance before its real partner comes): experts are first merged into groups by
    /// descending pair excess (while a group's load stays within the cap), then visited group by group, heaviest first.
    /// </summary>
    private static IEnumerable<int> PairOrder(RoutingStatistics stats, int layer, double[] loads, double cap)
    {
        int experts = loads.Length;
        int[] group = Enumerable.Range(0, experts).ToArray();
        var pairs = from i in Enumerable.Range(0, experts)
                    from j in Enumerable.Range(i + 1, experts - i - 1)
                    let excess = PairExcess(stats, layer, i, j)
                    where excess > 0
                    orderby excess descending, i, j
                    select (i, j);
        foreach (var (i, j) in pairs)
        {
            int gi = group[i], gj = group[j];
            if (gi == gj) continue;
            double merged = Enumerable.Range(0, experts).Where(e => group[e] == gi || group[e] == gj).Sum(e => loads[e]);
            if (merged > cap + 1e-12) continue;
            for (int e = 0; e < experts; e++) if (group[e] == gj) group[e] = gi;
        }
        return Enumerable.Range(0, experts).GroupBy(e => group[e])
            .OrderByDescending(g => g.Sum(e => loads[e])).ThenBy(g => g.Key)
            .SelectMany(g => g.OrderByDescending(e => loads[e]).ThenBy(e => e));
    }

    /// <summary>The layer's maximum host load under plain longest-processing-time packing (no memory limits).</summary>
    private static double LptMaximum(double[] loads, int hosts)
    {
        var load = new double[hosts];
        foreach (double x in loads.OrderDescending())
        {
            int h = Array.IndexOf(load, load.Min());
            load[h] += x;
        }
        return load.Max();
    }
}
