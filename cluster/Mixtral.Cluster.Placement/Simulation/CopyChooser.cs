using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Simulation;

/// <summary>
/// Which copy of an expert takes the next row: smooth weighted round-robin over the plan's shares (each copy gains
/// its share per row, the copy with the most credit takes the row and pays 1), so over any run of rows the split
/// follows the weights within one row, deterministically. Without weights every row goes to the first copy.
/// </summary>
internal sealed class CopyChooser
{
    private readonly Dictionary<(int Layer, int Expert), double[]> _credit = [];

    public int Next(ExpertAssignment a)
    {
        if (a.Nodes.Count == 1 || a.Weights is null) return 0;
        if (!_credit.TryGetValue((a.Layer, a.Expert), out var credit)) _credit[(a.Layer, a.Expert)] = credit = new double[a.Nodes.Count];
        int best = 0;
        for (int r = 0; r < credit.Length; r++)
        {
            credit[r] += a.ShareOf(r);
            if (credit[r] > credit[best]) best = r;
        }
        credit[best] -= 1;
        return best;
    }
}
