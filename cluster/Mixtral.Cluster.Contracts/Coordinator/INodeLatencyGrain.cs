namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// The coordinator's expert calls by the node they went to (key 0; the same activation as the coordinator grain): the
/// per-node fan-out latency a dashboard shows beside the nodes' loads.
/// </summary>
[Alias("Mixtral.INodeLatencyGrain")]
public interface INodeLatencyGrain : IGrainWithIntegerKey
{
    /// <summary>Every node the coordinator has called since it started, by name.</summary>
    [Alias("ByNode")]
    Task<NodeCallLatency[]> GetNodeCallLatencyAsync();
}

/// <summary>One node's expert calls from the coordinator (each attempt, round trip): how many, mean, and over the recent window p50 and p99.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.NodeCallLatency")]
public sealed record NodeCallLatency(
    [property: Id(0)] string Node,
    [property: Id(1)] long Calls,
    [property: Id(2)] double MeanMs,
    [property: Id(3)] double P50Ms,
    [property: Id(4)] double P99Ms);
