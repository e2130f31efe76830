namespace Mixtral.Cluster.Contracts.Experts;

/// <summary>What an expert grain holds where: for placement checks, dashboards and the failure tests.</summary>
[GenerateSerializer]
[Immutable]
[Alias("Mixtral.ExpertResidency")]
public sealed record ExpertResidency(
    [property: Id(0)] string NodeName,
    [property: Id(1)] ExpertKey Key,
    [property: Id(2)] long ResidentBytes,
    [property: Id(3)] int TensorsLoaded);
