using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Nodes;

namespace Mixtral.Client;

/// <summary>Every node of the cluster as it describes itself, and the coordinator's view.</summary>
public sealed record ClusterStatus(IReadOnlyList<NodeStatus> Nodes, CoordinatorStatus? Coordinator)
{
    /// <summary>Nodes of the plan (and standby nodes once seen) that are not active members now: dead, or not started.</summary>
    public IReadOnlyList<MissingNode> Missing { get; init; } = [];
}
