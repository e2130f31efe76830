namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// The outcome of one real forward step through the coordinator and every expert owner (the gateway's /health):
/// <see cref="Detail"/> names the failing expert and node when <see cref="Healthy"/> is false.
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.ClusterHealth")]
public sealed record ClusterHealth(
    [property: Id(0)] bool Healthy,
    [property: Id(1)] string Detail,
    [property: Id(2)] double ElapsedMs);
