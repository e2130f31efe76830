using System.Collections.Concurrent;
using System.Diagnostics;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// A circuit breaker per node, as the coordinator sees it: a node whose call just failed is avoided for a while,
/// so every later call goes straight to a replica on a healthy node instead of failing over again each time.
/// After the quiet period the node is tried first again (it may have come back).
/// </summary>
public sealed class NodeHealth(TimeSpan quietPeriod)
{
    private readonly ConcurrentDictionary<string, long> _avoidUntil = new(StringComparer.Ordinal);

    public void Failed(string node) => _avoidUntil[node] = Stopwatch.GetTimestamp() + (long)(quietPeriod.TotalSeconds * Stopwatch.Frequency);

    public bool IsAvoided(string node) => _avoidUntil.TryGetValue(node, out long until) && Stopwatch.GetTimestamp() < until;

    /// <summary>Replica indices to try, in plan order but nodes being avoided last.</summary>
    public int[] Order(IReadOnlyList<string> owners)
    {
        if (owners.Count <= 1) return [0];
        var healthy = new List<int>(owners.Count);
        var avoided = new List<int>();
        for (int i = 0; i < owners.Count; i++) (IsAvoided(owners[i]) ? avoided : healthy).Add(i);
        return [.. healthy, .. avoided];
    }
}
