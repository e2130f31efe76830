using System.Text.Json.Serialization;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>What a node runs: the shared part of the model (coordinator), experts, or both.</summary>
public enum NodeRole { Coordinator, Experts, All }

/// <summary>The names of <see cref="NodeRole"/> as plans, flags and config files write them.</summary>
public static class NodeRoles
{
    public static string Name(this NodeRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses coordinator | experts | all; <paramref name="where"/> names the flag, key or text in the error.</summary>
    public static NodeRole Parse(string text, string where) => text.Trim().ToLowerInvariant() switch
    {
        "coordinator" => NodeRole.Coordinator,
        "experts" => NodeRole.Experts,
        "all" => NodeRole.All,
        _ => throw new ArgumentException($"{where}: role \"{text}\" is not coordinator, experts or all"),
    };
}

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
