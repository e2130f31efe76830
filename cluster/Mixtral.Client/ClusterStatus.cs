using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Nodes;

namespace Mixtral.Client;

/// <summary>Every node of the cluster as it describes itself, and the coordinator's view.</summary>
public sealed record ClusterStatus(IReadOnlyList<NodeStatus> Nodes, CoordinatorStatus? Coordinator);
