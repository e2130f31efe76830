namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// What the cluster serves and within which limits (the gateway's /info and /v1/models): <see cref="ModelId"/> is the
/// model folder's name, <see cref="Fingerprint"/> the model identity every node checked at start.
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.ModelInfo")]
public sealed record ModelInfo(
    [property: Id(0)] string ModelId,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] int ContextLength,
    [property: Id(3)] int VocabSize,
    [property: Id(4)] int MaxBatchSequences,
    [property: Id(5)] int MaxQueuedRequests,
    [property: Id(6)] int MaxPrefillTokens);
