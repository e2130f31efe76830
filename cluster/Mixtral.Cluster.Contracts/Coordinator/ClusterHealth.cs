namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>Whether the cluster can generate a token now (a real one-token step), what failed if not, and how long the check took.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.ClusterHealth")]
public sealed record ClusterHealth(
    [property: Id(0)] bool Healthy,
    [property: Id(1)] string Detail,
    [property: Id(2)] double ElapsedMs);
