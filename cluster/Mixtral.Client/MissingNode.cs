namespace Mixtral.Client;

/// <summary>
/// A node that is not an active member of the cluster: its membership status (dead, joining, shutting down, or "not
/// started" for a plan node never seen), the experts the plan gives it, which of those are served by another node now
/// (a replica or a stand-in, as "L0.E1 on b"), and which have no live copy anywhere (orphaned: a request routed to one
/// fails, or waits for a stand-in to load it).
/// </summary>
public sealed record MissingNode(string Name, string Status, IReadOnlyList<string> PlannedExperts, IReadOnlyList<string> ServedElsewhere,
    IReadOnlyList<string> Orphaned);
