namespace Mixtral.Cluster.Contracts.Nodes;

/// <summary>
/// One per node, keyed by the node's name and always placed on that node: what the node is and what it
/// holds. `mixtral cluster status` asks every node's.
/// </summary>
[Alias("Mixtral.INodeGrain")]
public interface INodeGrain : IGrainWithStringKey
{
    [Alias("Describe")]
    Task<NodeStatus> DescribeAsync();
}

/// <summary>A node's identity, the experts it holds, and exactly what it read from its checkpoint.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.NodeStatus")]
public sealed record NodeStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Role,
    [property: Id(2)] string Device,
    [property: Id(3)] long? MemoryBudgetBytes,
    [property: Id(4)] string ModelFingerprint,
    [property: Id(5)] string[] Experts,
    [property: Id(6)] long ExpertResidentBytes,
    [property: Id(7)] long SharedResidentBytes,
    [property: Id(8)] string[] TensorsRead,
    [property: Id(9)] long CheckpointBytesRead,
    [property: Id(10)] long ExpertCalls,
    [property: Id(11)] double ExpertComputeMs);
