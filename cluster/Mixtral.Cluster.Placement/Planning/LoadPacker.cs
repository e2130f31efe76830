using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// Longest-processing-time packing of one layer's expert copies onto the hosts: heaviest copy first, each onto the
/// host whose time (load ÷ speed) stays lowest. A layer is the unit that matters: its fan-out waits for the slowest
/// node, so every layer is balanced on its own; ties go to the host with the least load over all layers so far, which
/// keeps whole-model totals even too. Copies of one expert go to distinct hosts; a host's memory slots are respected.
/// </summary>
internal sealed class LoadPacker(ExpertHosts hosts)
{
    private readonly int[] _slots = (int[])hosts.Slots.Clone();
    private readonly double[] _total = new double[hosts.Count];

    public int SlotsLeft(int host) => _slots[host];

    /// <summary>
    /// Places copies (expert, load); returns the host of each, in input order. With <paramref name="extraCopiesOptional"/>,
    /// a second or later copy of an expert that no free host can take (every host with room already holds one) gets
    /// host −1 instead of failing: it is dropped, and its load stays with its siblings.
    /// </summary>
    public int[] PackLayer(IReadOnlyList<(int Expert, double Load)> copies, int experts, bool extraCopiesOptional = false)
    {
        var layerLoad = new double[hosts.Count];
        var hostOf = new int[copies.Count];
        var used = new HashSet<(int Expert, int Host)>();
        foreach (int i in Enumerable.Range(0, copies.Count).OrderByDescending(i => copies[i].Load).ThenBy(i => copies[i].Expert))
        {
            var (expert, load) = copies[i];
            int best = -1;
            for (int h = 0; h < hosts.Count; h++)
            {
                if (_slots[h] == 0 || used.Contains((expert, h))) continue;
                if (best < 0 || Better(h, best, load, layerLoad)) best = h;
            }
            if (best < 0 && extraCopiesOptional && used.Any(u => u.Expert == expert))
            {
                hostOf[i] = -1;
                continue;
            }
            if (best < 0)
                throw new PlacementPlanException($"no host has room for another copy of expert {expert} (all hosts with free memory already hold one)");
            hostOf[i] = best;
            used.Add((expert, best));
            Take(best, load, layerLoad);
        }
        return hostOf;
    }

    /// <summary>Records a placement made elsewhere (the affinity strategies choose hosts themselves).</summary>
    public void Take(int host, double load, double[] layerLoad)
    {
        _slots[host] = _slots[host] == int.MaxValue ? int.MaxValue : _slots[host] - 1;
        layerLoad[host] += load;
        _total[host] += load;
    }

    /// <summary>Whether host a is a better place than b for a copy of this load.</summary>
    public bool Better(int a, int b, double load, double[] layerLoad)
    {
        double ta = (layerLoad[a] + load) / hosts.Speeds[a], tb = (layerLoad[b] + load) / hosts.Speeds[b];
        if (Math.Abs(ta - tb) > 1e-12) return ta < tb;
        double ga = _total[a] / hosts.Speeds[a], gb = _total[b] / hosts.Speeds[b];
        return Math.Abs(ga - gb) > 1e-12 ? ga < gb : a < b;
    }
}
