using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;

namespace Mixtral.Cluster.Hosting;

/// <summary>How an operator describes one node (the `mixtral node` flags, or a config file).</summary>
public sealed record NodeOptions
{
    public required string ModelPath { get; init; }
    public required string NodeName { get; init; }
    /// <summary>Null: take the role the plan gives this node.</summary>
    public NodeRole? Role { get; init; }
    /// <summary>Null: every expert on this node (only for a single-node cluster).</summary>
    public string? PlanPath { get; init; }
    /// <summary>host:port of the Redis server holding cluster membership; null = localhost clustering (one node).</summary>
    public string? Redis { get; init; }
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;
    /// <summary>The address this node binds to and advertises; loopback unless an operator opens it up.</summary>
    public string Address { get; init; } = "127.0.0.1";
    public string ClusterId { get; init; } = "mixtral";
    public string Device { get; init; } = "cpu";
    public string DType { get; init; } = "f32";
    /// <summary>Dtype the weight matrices are kept in; null = <see cref="DType"/>.</summary>
    public string? Weights { get; init; }
    public int? Threads { get; init; }
    public long? MemoryBudgetBytes { get; init; }
    public WireDType WireDType { get; init; } = WireDType.BFloat16;
    /// <summary>How long the coordinator waits for one expert call before retrying it (on the next replica).</summary>
    public TimeSpan ExpertCallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
