using Mixtral.Cluster.Contracts.Nodes;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Grains.Placement;

namespace Mixtral.Cluster.Grains.Nodes;

/// <summary>Describes its node: identity, the experts it holds, and what it read from its checkpoint.</summary>
[NodePlacement]
public sealed class NodeGrain(NodeSettings settings, NodeWeightStore store, NodeDrain drain) : Grain, INodeGrain
{
    public Task<int> DrainAsync() => Task.FromResult(drain.Request());

    public Task<string> PlanJsonAsync() => Task.FromResult(settings.Plan.ToJson());

    public Task<NodeStatus> DescribeAsync()
    {
        var account = store.Account();
        return Task.FromResult(new NodeStatus(
            settings.NodeName,
            settings.Standby ? "standby" : settings.Role.ToString().ToLowerInvariant(),
            settings.Compute.Device.ToString(),
            settings.MemoryBudgetBytes,
            store.Fingerprint,
            [.. account.Experts.Select(k => k.ToString())],
            account.ExpertBytes,
            account.SharedBytes,
            [.. account.TensorsRead],
            account.BytesRead,
            account.ExpertCalls,
            account.ExpertCompute.TotalMilliseconds));
    }
}
