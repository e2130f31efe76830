using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Nodes;
using Mixtral.Cluster.Contracts.Placement;
using Orleans.Runtime;

namespace Mixtral.Client;

/// <summary>Which nodes are missing from the cluster, from membership (every entry, dead ones included) and the plan.</summary>
internal static class MissingNodes
{
    public static IReadOnlyList<MissingNode> Find(MembershipEntry[] everyEntry, IReadOnlyList<NodeStatus> active, PlacementPlan? plan)
    {
        var activeNames = active.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        // The latest entry per name (a restarted node has one per generation): its status says where the node is.
        var lastSeen = everyEntry.GroupBy(e => e.SiloName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(e => e.SiloAddress.Generation)!.Status, StringComparer.Ordinal);
        var names = lastSeen.Keys.Concat(plan?.Nodes.Select(n => n.Name) ?? []).Where(n => !activeNames.Contains(n)).Distinct().Order(StringComparer.Ordinal);
        // Who holds each (layer, expert) now, whichever replica key it runs under.
        var holders = active.SelectMany(n => n.Experts.Select(k => (Key: ExpertKey.Parse(k), Node: n.Name)))
            .GroupBy(h => (h.Key.Layer, h.Key.Expert)).ToDictionary(g => g.Key, g => g.Select(h => h.Node).Distinct().Order(StringComparer.Ordinal).ToList());
        var missing = new List<MissingNode>();
        foreach (string name in names)
        {
            string status = !lastSeen.TryGetValue(name, out var s) ? "not started" : s == SiloStatus.Active ? "not answering" : Describe(s);
            var planned = plan?.ExpertsOn(name).ToList() ?? [];
            var elsewhere = new List<string>();
            var orphaned = new List<string>();
            foreach (var key in planned)
            {
                if (holders.TryGetValue((key.Layer, key.Expert), out var nodes)) elsewhere.Add($"{key} on {string.Join("+", nodes)}");
                else orphaned.Add(key.ToString());
            }
            missing.Add(new MissingNode(name, status, [.. planned.Select(k => k.ToString())], elsewhere, orphaned));
        }
        return missing;
    }

    private static string Describe(SiloStatus status) => status switch
    {
        SiloStatus.Dead => "dead",
        SiloStatus.Created or SiloStatus.Joining => "joining",
        SiloStatus.ShuttingDown or SiloStatus.Stopping => "leaving",
        _ => status.ToString().ToLowerInvariant(),
    };
}
