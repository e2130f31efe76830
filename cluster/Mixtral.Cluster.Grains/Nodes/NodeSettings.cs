using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;

namespace Mixtral.Cluster.Grains.Nodes;

/// <summary>What one node is: its name (the silo name), role, model folder, the cluster's plan, and how it computes.</summary>
public sealed record NodeSettings
{
    public required string NodeName { get; init; }
    public required NodeRole Role { get; init; }
    /// <summary>Started with --standby: in no plan, holding nothing until it stands in for a node that is gone.</summary>
    public bool Standby { get; init; }
    public required string ModelPath { get; init; }
    public required PlacementPlan Plan { get; init; }
    public ModelOptions Compute { get; init; } = new();
    /// <summary>The coordinator's engine limits (the same options the single-process engine takes).</summary>
    public EngineOptions Engine { get; init; } = new();
    /// <summary>The dtype hidden states cross the wire in (the coordinator's choice; experts answer in kind). f32 by
    /// default: exact, so the cluster's tokens are the single process's.</summary>
    public WireDType WireDType { get; init; } = WireDType.Float32;
    /// <summary>Weight bytes this node may hold; null = no limit.</summary>
    public long? MemoryBudgetBytes { get; init; }
    /// <summary>How the coordinator's expert calls behave under faults: attempt timeout, retries, hedging, breakers, step deadline.</summary>
    public Experts.ExpertCallOptions ExpertCalls { get; init; } = new();
    /// <summary>Timeout of one expert call attempt before it is retried (on a replica, where the plan has one): <see cref="ExpertCalls"/>' AttemptTimeout.</summary>
    public TimeSpan ExpertCallTimeout
    {
        get => ExpertCalls.AttemptTimeout;
        init => ExpertCalls = ExpertCalls with { AttemptTimeout = value };
    }
    /// <summary>Emulated links to the other nodes for this node's expert calls (placement experiments on one machine); null = none.</summary>
    public Network.NetworkEmulation? Network { get; init; }
    /// <summary>An emulated compute device every expert call on this node occupies (placement experiments on one machine); null = none.</summary>
    public Experts.ExpertDeviceEmulation? EmulatedDevice { get; init; }
}
