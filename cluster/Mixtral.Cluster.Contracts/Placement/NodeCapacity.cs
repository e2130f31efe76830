using System.Text.Json.Serialization;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>What a node runs: the shared part of the model (coordinator), experts, or both.</summary>
public enum NodeRole { Coordinator, Experts, All }

/// <summary>Where a node keeps its weights.</summary>
public enum ComputeDevice { Cpu, Cuda }

/// <summary>
/// What one node advertises it can host. <see cref="MemoryBudgetBytes"/> counts weights only (the coordinator's
/// KV cache comes on top); null means no budget is enforced.
/// </summary>
public sealed record NodeCapacity(string Name, NodeRole Role, long? MemoryBudgetBytes = null, ComputeDevice Device = ComputeDevice.Cpu)
{
    [JsonIgnore]
    public bool HostsExperts => Role is NodeRole.Experts or NodeRole.All;
    [JsonIgnore]
    public bool HostsSharedWeights => Role is NodeRole.Coordinator or NodeRole.All;
}
