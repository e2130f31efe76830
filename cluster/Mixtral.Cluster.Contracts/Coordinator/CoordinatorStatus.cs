namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>The coordinator's view: which node it is on, what it serves, and its counters.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.CoordinatorStatus")]
public sealed record CoordinatorStatus(
    [property: Id(0)] string NodeName,
    [property: Id(1)] string ModelFingerprint,
    [property: Id(2)] string WireDType,
    [property: Id(3)] long SharedResidentBytes,
    [property: Id(4)] long Steps,
    [property: Id(5)] long TokensProcessed,
    [property: Id(6)] long ExpertCalls,
    [property: Id(7)] long WireBytes,
    [property: Id(8)] double FanOutP50Ms,
    [property: Id(9)] double FanOutP99Ms,
    [property: Id(10)] long FanOuts,
    [property: Id(11)] double FanOutTotalMs,
    [property: Id(12)] double StepTotalMs,
    [property: Id(13)] long ExpertCallRetries);
