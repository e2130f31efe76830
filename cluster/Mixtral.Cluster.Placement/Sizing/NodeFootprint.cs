using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Sizing;

/// <summary>What one node of a plan will hold: its expert copies and the shared weights if it coordinates.</summary>
public sealed record NodeFootprint(NodeCapacity Node, IReadOnlyList<ExpertKey> Experts, long ExpertBytes, long SharedBytes)
{
    public long TotalBytes => ExpertBytes + SharedBytes;

    public bool OverBudget => Node.MemoryBudgetBytes is long budget && TotalBytes > budget;
}
