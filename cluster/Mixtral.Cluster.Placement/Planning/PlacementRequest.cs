using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// Everything a strategy may use: the model shape, the nodes (names, roles, memory budgets), optional measured
/// routing statistics, the extra bytes allowed for copies of hot experts (summed over the cluster), and optional
/// relative node speeds (e.g. memory bandwidth; absent = equal) for heterogeneous clusters, and optionally what a
/// copy costs per step (<see cref="StepCost"/>; absent = balance rows).
/// </summary>
public sealed record PlacementRequest(
    ModelShape Model,
    IReadOnlyList<NodeCapacity> Nodes,
    RoutingStatistics? Statistics = null,
    long ReplicaBudgetBytes = 0,
    IReadOnlyDictionary<string, double>? NodeSpeeds = null,
    StepCost? Cost = null)
{
    /// <summary>The cost of a copy taking this share of its layer's rows: the share itself, or the step cost model's.</summary>
    public double CostOf(double share) => Cost?.Of(share) ?? share;
}

/// <summary>A pure function from a <see cref="PlacementRequest"/> to a plan: no cluster, no I/O, the same plan every time.</summary>
public interface IPlanStrategy
{
    string Name { get; }

    /// <summary>One line for <c>--help</c>: what the strategy optimises.</summary>
    string Description { get; }

    PlacementPlan Place(PlacementRequest request);
}
