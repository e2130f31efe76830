using System.Text.Json.Serialization;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>The nodes owning expert <see cref="Expert"/> of layer <see cref="Layer"/>; Nodes[r] hosts replica r.</summary>
[JsonConverter(typeof(ExpertAssignmentJsonConverter))]
public sealed record ExpertAssignment(int Layer, int Expert, IReadOnlyList<string> Nodes);
