namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>What the cluster serves and its limits (for GET /v1/models and GET /info).</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.ModelInfo")]
public sealed record ModelInfo(
    [property: Id(0)] string ModelId,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] int ContextLength,
    [property: Id(3)] int VocabSize,
    [property: Id(4)] int MaxBatchSequences,
    [property: Id(5)] int MaxQueuedRequests,
    [property: Id(6)] int MaxPrefillTokens);
