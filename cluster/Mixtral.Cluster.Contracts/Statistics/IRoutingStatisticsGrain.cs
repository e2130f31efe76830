namespace Mixtral.Cluster.Contracts.Statistics;

/// <summary>
/// One per cluster (key <see cref="RoutingStreamNames.Key"/>): the routing of every serving step, as the coordinator
/// publishes it on the routing stream, accumulated into the statistics `mixtral plan --stats` reads.
/// </summary>
[Alias("Mixtral.IRoutingStatisticsGrain")]
public interface IRoutingStatisticsGrain : IGrainWithStringKey
{
    [Alias("Get")]
    Task<RoutingStatisticsSnapshot> GetAsync();

    /// <summary>Starts counting afresh (e.g. before a measured workload).</summary>
    [Alias("Reset")]
    Task ResetAsync();
}

/// <summary>
/// The statistics so far: <see cref="StatisticsJson"/> is exactly the JSON of `mixtral stats --out` (tokens per
/// (layer, expert), pairs within a layer, choices across consecutive layers); <see cref="NodeTokens"/>[i] is the
/// expert-token load the serving plan puts on <see cref="Nodes"/>[i] under these counts (copies by their shares).
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.RoutingStatisticsSnapshot")]
public sealed record RoutingStatisticsSnapshot(
    [property: Id(0)] long Steps,
    [property: Id(1)] long Tokens,
    [property: Id(2)] string StatisticsJson,
    [property: Id(3)] string[] Nodes,
    [property: Id(4)] double[] NodeTokens);

/// <summary>
/// What the coordinator publishes: serving steps' router choices, Steps[s][layer] = ids row-major [tokens × k]
/// (the rows in the same token order at every layer).
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.RoutingStepBatch")]
public sealed record RoutingStepBatch([property: Id(0)] int[][][] Steps);

/// <summary>The routing stream's names: one memory stream provider, one stream per cluster.</summary>
public static class RoutingStreamNames
{
    public const string Provider = "MixtralRouting";
    public const string Namespace = "mixtral-routing";
    public const string Key = "cluster";
}
