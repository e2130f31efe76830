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

    /// <summary>The placement plan this node runs by (JSON), so `cluster status` can name the experts of a node that is gone.</summary>
    [Alias("PlanJson")]
    Task<string> PlanJsonAsync();

    /// <summary>`mixtral node --drain`: finish the requests in flight, then leave the cluster; returns how many were in flight.</summary>
    [Alias("Drain")]
    Task<int> DrainAsync();
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
