namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// Which model a plan was made for: the layer and expert counts (what the plan's shape depends on) and a
/// fingerprint of every shape-defining config field, so that a plan made for one checkpoint is refused by another.
/// </summary>
public sealed record ModelIdentity(string Fingerprint, int NumHiddenLayers, int NumLocalExperts);
