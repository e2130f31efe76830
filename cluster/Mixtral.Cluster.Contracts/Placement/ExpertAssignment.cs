using System.Text.Json.Serialization;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// The nodes owning expert <see cref="Expert"/> of layer <see cref="Layer"/>; Nodes[r] hosts replica r.
/// <see cref="Weights"/> (optional, one per node, summing to 1) is the share of the expert's rows each copy takes;
/// without it the copies are failover only: the first live owner takes every row.
/// </summary>
[JsonConverter(typeof(ExpertAssignmentJsonConverter))]
public sealed record ExpertAssignment(int Layer, int Expert, IReadOnlyList<string> Nodes, IReadOnlyList<double>? Weights = null)
{
    /// <summary>How far the weights may be from summing to 1 (they are written with JSON's shortest round-trip form).</summary>
    public const double WeightSumTolerance = 1e-6;

    /// <summary>The share of rows replica r takes when every copy is live: the weights, or all on the first copy.</summary>
    public double ShareOf(int replica) => Weights is { } w ? w[replica] : replica == 0 ? 1 : 0;
}
