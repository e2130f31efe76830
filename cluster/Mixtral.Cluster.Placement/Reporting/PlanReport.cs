using Mixtral.Model.Config;
using System.Text.Json;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Sizing;

namespace Mixtral.Cluster.Placement.Reporting;

/// <summary>
/// The "how much memory do I need" answer as JSON (same snake_case options as plans), exact bytes throughout,
/// for scripts and the benchmarks' placement experiments.
/// </summary>
public sealed record PlanReport(
    ModelIdentity Model,
    string Strategy,
    string Dtype,
    long BytesPerExpert,
    long SharedBytes,
    long TotalBytes,
    IReadOnlyList<PlanReport.NodeLine> Nodes)
{
    public sealed record NodeLine(
        string Name,
        NodeRole Role,
        ComputeDevice Device,
        string Experts,
        int ExpertCount,
        long ExpertBytes,
        long SharedBytes,
        long TotalBytes,
        long? MemoryBudgetBytes,
        bool OverBudget);

    public static PlanReport From(PlanFootprint footprint) => new(
        footprint.Plan.Model,
        footprint.Plan.Strategy,
        footprint.Sizing.DType.ShortName(),
        footprint.Sizing.BytesPerExpert,
        footprint.Sizing.SharedBytes,
        footprint.TotalBytes,
        [.. footprint.Nodes.Select(n => new NodeLine(
            n.Node.Name, n.Node.Role, n.Node.Device, ExpertRangeText.Format(n.Experts), n.Experts.Count,
            n.ExpertBytes, n.SharedBytes, n.TotalBytes, n.Node.MemoryBudgetBytes, n.OverBudget))]);

    public string ToJson() => JsonSerializer.Serialize(this, PlacementJson.Options) + "\n";
}
