namespace Mixtral.Cluster.Placement.Routing;

/// <summary>
/// Accumulates <see cref="RoutingStatistics"/> token by token: from a routing trace offline, or from the routing of
/// serving steps (every layer's ids of one step, rows in the same token order at every layer).
/// </summary>
public sealed class RoutingStatisticsBuilder
{
    private readonly long[][] _load;
    private readonly long[][][] _next;
    private readonly long[][][] _pairs;
    private long _tokens;

    public RoutingStatisticsBuilder(int layers, int experts, int expertsPerToken)
    {
        if (layers <= 0 || experts <= 0 || expertsPerToken <= 0 || expertsPerToken > experts)
            throw new ArgumentException($"bad routing shape: {layers} layers, {experts} experts, {expertsPerToken} per token");
        Layers = layers;
        Experts = experts;
        ExpertsPerToken = expertsPerToken;
        _load = Square(layers, experts);
        _next = Enumerable.Range(0, layers - 1).Select(_ => Square(experts, experts)).ToArray();
        _pairs = Enumerable.Range(0, layers).Select(_ => Square(experts, experts)).ToArray();
    }

    public int Layers { get; }
    public int Experts { get; }
    public int ExpertsPerToken { get; }

    /// <summary>One token's choices, one list per layer (layer order).</summary>
    public void AddToken(IReadOnlyList<IReadOnlyList<int>> expertsPerLayer)
    {
        if (expertsPerLayer.Count != Layers)
            throw new ArgumentException($"a token's routing has {expertsPerLayer.Count} layers, expected {Layers}");
        for (int l = 0; l < Layers; l++)
        {
            var chosen = expertsPerLayer[l];
            if (chosen.Count != ExpertsPerToken)
                throw new ArgumentException($"layer {l}: {chosen.Count} experts chosen, expected {ExpertsPerToken}");
            foreach (int e in chosen)
            {
                if ((uint)e >= (uint)Experts) throw new ArgumentException($"layer {l}: expert {e} is out of range 0..{Experts - 1}");
                _load[l][e]++;
                foreach (int other in chosen)
                    if (other != e) _pairs[l][e][other]++;
                if (l + 1 < Layers)
                    foreach (int next in expertsPerLayer[l + 1])
                        _next[l][e][next]++;
            }
        }
        _tokens++;
    }

    /// <summary>
    /// One serving step: <paramref name="idsPerLayer"/>[l] holds the step's ids at layer l, row-major [tokens × k].
    /// </summary>
    public void AddStep(IReadOnlyList<int[]> idsPerLayer)
    {
        if (idsPerLayer.Count != Layers) throw new ArgumentException($"a step has {idsPerLayer.Count} layers, expected {Layers}");
        int tokens = idsPerLayer[0].Length / ExpertsPerToken;
        var perToken = new IReadOnlyList<int>[Layers];
        for (int t = 0; t < tokens; t++)
        {
            for (int l = 0; l < Layers; l++)
            {
                if (idsPerLayer[l].Length != tokens * ExpertsPerToken)
                    throw new ArgumentException($"layer {l} of the step has {idsPerLayer[l].Length} ids, expected {tokens * ExpertsPerToken}");
                perToken[l] = new ArraySegment<int>(idsPerLayer[l], t * ExpertsPerToken, ExpertsPerToken);
            }
            AddToken(perToken);
        }
    }

    public RoutingStatistics Build() => new(Layers, Experts, ExpertsPerToken, _tokens,
        Copy(_load), _next.Select(Copy).ToArray(), _pairs.Select(Copy).ToArray());

    /// <summary>Statistics of a whole trace; every token must have a record for every layer.</summary>
    public static RoutingStatistics FromTrace(IEnumerable<RoutingTraceRecord> trace, int experts, string source = "trace")
    {
        var tokens = RoutingTokens.Group(trace, source);
        if (tokens.Count == 0) throw new FormatException($"{source}: the trace is empty");
        var builder = new RoutingStatisticsBuilder(tokens[0].Experts.Length, experts, tokens[0].Experts[0].Length);
        foreach (var token in tokens) builder.AddToken(token.Experts);
        return builder.Build();
    }

    private static long[][] Square(int rows, int columns) => Enumerable.Range(0, rows).Select(_ => new long[columns]).ToArray();

    private static long[][] Copy(long[][] m) => m.Select(r => (long[])r.Clone()).ToArray();
}
