namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>Latency of fan-outs that carry real payloads to experts that do no math.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.FanOutProbe")]
public sealed record FanOutProbe(
    [property: Id(0)] int Experts,
    [property: Id(1)] int RowsPerExpert,
    [property: Id(2)] int Samples,
    [property: Id(3)] double P50Ms,
    [property: Id(4)] double P99Ms);
