namespace Mixtral.Cluster.Placement.Routing;

/// <summary>One token of a trace: its experts (descending weight) and weights at every layer.</summary>
public sealed record RoutedToken(int Prompt, int Position, int[][] Experts, float[][] Weights); // [L][K] each

/// <summary>Groups a trace's per-layer lines into tokens, in trace order, checking that every token has every layer once.</summary>
public static class RoutingTokens
{
    public static IReadOnlyList<RoutedToken> Group(IEnumerable<RoutingTraceRecord> trace, string source)
    {
        var order = new List<(int Prompt, int Position)>();
        var byToken = new Dictionary<(int, int), SortedDictionary<int, RoutingTraceRecord>>();
        foreach (var r in trace)
        {
            var key = (r.Prompt, r.Position);
            if (!byToken.TryGetValue(key, out var layers))
            {
                byToken[key] = layers = [];
                order.Add(key);
            }
            if (!layers.TryAdd(r.Layer, r))
                throw new FormatException($"{source}: prompt {r.Prompt} position {r.Position} has layer {r.Layer} twice");
        }
        int layerCount = -1, k = -1;
        var tokens = new List<RoutedToken>(order.Count);
        foreach (var key in order)
        {
            var layers = byToken[key];
            if (layerCount < 0) (layerCount, k) = (layers.Count, layers.First().Value.Experts.Count);
            if (layers.Count != layerCount || layers.Keys.Last() != layerCount - 1)
                throw new FormatException($"{source}: prompt {key.Item1} position {key.Item2} has layers {string.Join(",", layers.Keys)}, expected 0..{layerCount - 1}");
            if (layers.Values.Any(r => r.Experts.Count != k))
                throw new FormatException($"{source}: prompt {key.Item1} position {key.Item2} chooses a different number of experts than {k}");
            tokens.Add(new RoutedToken(key.Item1, key.Item2,
                layers.Values.Select(r => r.Experts.ToArray()).ToArray(),
                layers.Values.Select(r => r.Weights.ToArray()).ToArray()));
        }
        return tokens;
    }
}
