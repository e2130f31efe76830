namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// What one forward pass decided, flattened row-major with its shape: logits [T, V], router top-k ids and
/// weights [L, T, K], final hidden states [T, D].
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.TraceResult")]
public sealed record TraceResult(
    [property: Id(0)] int Tokens,
    [property: Id(1)] int Vocab,
    [property: Id(2)] int Layers,
    [property: Id(3)] int ExpertsPerToken,
    [property: Id(4)] int Hidden,
    [property: Id(5)] float[] Logits,
    [property: Id(6)] int[] RouterTopKIds,
    [property: Id(7)] float[] RouterTopKWeights,
    [property: Id(8)] float[] FinalHidden);
