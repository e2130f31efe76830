using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Routing;

/// <summary>
/// Which copy of an expert takes the next row: smooth weighted round-robin over the plan's shares among the live
/// copies (each live copy gains its share per row, the one with the most credit takes the row and pays the total),
/// so over any run of rows the split follows the weights within one row, deterministically, and a dead copy's share
/// goes to the live ones in proportion. Without weights the first live copy takes every row (failover). The
/// simulator uses it; it is also the rule a coordinator needs to spread a replicated expert's rows.
/// Not thread-safe: one per caller (e.g. per coordinator step loop).
/// </summary>
public sealed class ReplicaSplitter
{
    private readonly Dictionary<(int Layer, int Expert), double[]> _credit = [];

    /// <summary>The replica index for the next row; −1 when no copy is live.</summary>
    public int Next(ExpertAssignment a, Func<string, bool>? isLive = null)
    {
        if (a.Weights is null || a.Nodes.Count == 1)
        {
            for (int r = 0; r < a.Nodes.Count; r++)
                if (isLive?.Invoke(a.Nodes[r]) ?? true) return r;
            return -1;
        }
        if (!_credit.TryGetValue((a.Layer, a.Expert), out var credit)) _credit[(a.Layer, a.Expert)] = credit = new double[a.Nodes.Count];
        int best = -1;
        double total = 0;
        for (int r = 0; r < credit.Length; r++)
        {
            if (!(isLive?.Invoke(a.Nodes[r]) ?? true)) continue;
            credit[r] += a.ShareOf(r);
            total += a.ShareOf(r);
            if (best < 0 || credit[r] > credit[best]) best = r;
        }
        if (best < 0) return -1;
        if (total == 0) return best; // every live copy has weight 0: fall back to the first live one
        credit[best] -= total;
        return best;
    }
}
