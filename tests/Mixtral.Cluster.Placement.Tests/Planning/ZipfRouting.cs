using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Tests.Planning;

/// <summary>
/// The synthetic-skew recipe of the placement design notes, simulated independently of the strategies: per layer a
/// random expert ranking, rank r weighted r^−s, k experts drawn without replacement; with probability ρ a token's
/// first choice at layer l+1 is the fixed partner of its first choice at layer l (inter-layer affinity).
/// </summary>
internal static class ZipfRouting
{
    public static RoutingStatistics Statistics(int layers, int experts, int k, double s, double rho, int tokens, int seed)
    {
        var random = new Random(seed);
        var rank = Enumerable.Range(0, layers).Select(_ => Shuffled(experts, random)).ToArray(); // rank[l][r] = expert
        var partner = Enumerable.Range(0, layers).Select(_ => Shuffled(experts, random)).ToArray();
        var weightOfRank = Enumerable.Range(1, experts).Select(r => Math.Pow(r, -s)).ToArray();
        var builder = new RoutingStatisticsBuilder(layers, experts, k);
        for (int t = 0; t < tokens; t++)
        {
            var chosen = new IReadOnlyList<int>[layers];
            for (int l = 0; l < layers; l++)
            {
                var picks = new List<int>(k);
                if (l > 0 && random.NextDouble() < rho) picks.Add(partner[l - 1][chosen[l - 1][0]]);
                while (picks.Count < k)
                {
                    double total = 0;
                    for (int r = 0; r < experts; r++) if (!picks.Contains(rank[l][r])) total += weightOfRank[r];
                    double u = random.NextDouble() * total;
                    for (int r = 0; r < experts; r++)
                    {
                        if (picks.Contains(rank[l][r])) continue;
                        u -= weightOfRank[r];
                        if (u <= 0 || r == experts - 1) { picks.Add(rank[l][r]); break; }
                    }
                }
                chosen[l] = picks;
            }
            builder.AddToken(chosen);
        }
        return builder.Build();
    }

    private static int[] Shuffled(int n, Random random)
    {
        int[] p = Enumerable.Range(0, n).ToArray();
        random.Shuffle(p);
        return p;
    }
}
