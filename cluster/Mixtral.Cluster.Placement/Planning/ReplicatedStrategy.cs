using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// Hot-expert replication within a memory budget, with the load split across copies. Three steps:
/// (1) copies: while the budget (<see cref="PlacementRequest.ReplicaBudgetBytes"/>, and the nodes' memory) allows,
/// add the copy that lowers some layer's packed maximum the most (a hot expert split in two; also a lukewarm one
/// whose size makes the layer pack badly) — until no copy lowers any layer's maximum, past which copies only cost memory;
/// (2) pack every layer's copies (load ÷ copies each) heaviest first onto the least-loaded host, copies of one expert
/// on distinct hosts (both steps in rows, or in time when the request has a <see cref="StepCost"/>: then a copy also
/// costs a weight read, and copies that only add reads are not made); (3) even out (in rows): move share from a copy on the most-loaded host to a sibling copy on a lighter
/// host until no move lowers the layer's maximum. The shares become the plan's per-copy weights.
/// </summary>
public sealed class ReplicatedStrategy : IPlanStrategy
{
    private const int MaxRefinements = 10_000;

    public string Name => "replicated";

    public string Description => "copy hot experts within --replica-budget and split their load across copies (needs --stats)";

    public PlacementPlan Place(PlacementRequest request)
    {
        var model = request.Model;
        var hosts = ExpertHosts.From(request with { NodeSpeeds = null }, Name);
        var loads = LayerLoads.From(request, Name, required: true);
        int[][] copies = Copies(request, hosts, loads);

        var packer = new LoadPacker(hosts);
        var plan = new PlanBuilder(model, request.Nodes, Name);
        for (int l = 0; l < model.Layers; l++)
        {
            var items = new List<(int Expert, double Load)>();
            for (int e = 0; e < model.Experts; e++)
                for (int c = 0; c < copies[l][e]; c++)
                    items.Add((e, request.CostOf(loads[l][e] / copies[l][e])));
            int[] placed = packer.PackLayer(items, model.Experts, extraCopiesOptional: true);
            // Copies no host could take are dropped; their siblings share the expert's load.
            items = items.Where((_, i) => placed[i] >= 0).ToList();
            int[] hostOf = placed.Where(h => h >= 0).ToArray();
            double[] share = items.Select(i => loads[l][i.Expert] / items.Count(x => x.Expert == i.Expert)).ToArray();
            Even(items, hostOf, share, hosts.Count);
            for (int i = 0; i < items.Count; i++) plan.Add(l, items[i].Expert, hosts.Names[hostOf[i]], share[i]);
        }
        return plan.Build();
    }

    private static int[][] Copies(PlacementRequest request, ExpertHosts hosts, double[][] loads)
    {
        var model = request.Model;
        int[][] copies = loads.Select(l => Enumerable.Repeat(1, l.Length).ToArray()).ToArray();
        long room = hosts.Slots.Sum(s => (long)s) - (long)model.Layers * model.Experts; // huge without budgets
        long extra = Math.Min(room, Math.Max(0, request.ReplicaBudgetBytes) / model.BytesPerExpert);
        double[] layerMax = Enumerable.Range(0, model.Layers).Select(l => LptMaximum(loads[l], copies[l], hosts.Count, request)).ToArray();
        for (long added = 0; added < extra; added++)
        {
            // The copy that lowers some layer's packed maximum the most; none left = more copies would only cost memory.
            int bestL = -1, bestE = -1;
            double bestGain = 1e-9, bestMax = 0;
            for (int l = 0; l < model.Layers; l++)
                for (int e = 0; e < model.Experts; e++)
                {
                    if (copies[l][e] >= hosts.Count) continue;
                    copies[l][e]++;
                    double max = LptMaximum(loads[l], copies[l], hosts.Count, request);
                    copies[l][e]--;
                    if (layerMax[l] - max > bestGain) (bestGain, bestL, bestE, bestMax) = (layerMax[l] - max, l, e, max);
                }
            if (bestL < 0) break;
            copies[bestL][bestE]++;
            layerMax[bestL] = bestMax;
        }
        return copies;
    }

    /// <summary>The layer's maximum host load when its copies (load ÷ copies each) are packed heaviest first.</summary>
    private static double LptMaximum(double[] loads, int[] copies, int hosts, PlacementRequest request)
    {
        var items = new List<double>();
        for (int e = 0; e < loads.Length; e++)
            for (int c = 0; c < copies[e]; c++) items.Add(request.CostOf(loads[e] / copies[e]));
        items.Sort((a, b) => b.CompareTo(a));
        var load = new double[hosts];
        foreach (double x in items)
        {
            int h = 0;
            for (int i = 1; i < hosts; i++) if (load[i] < load[h]) h = i;
            load[h] += x;
        }
        return load.Max();
    }

    /// <summary>Moves share between copies of one expert, off the most-loaded host, while that lowers the layer's max.</summary>
    private static void Even(List<(int Expert, double Load)> items, int[] hostOf, double[] share, int hostCount)
    {
        var load = new double[hostCount];
        for (int i = 0; i < items.Count; i++) load[hostOf[i]] += share[i];
        for (int round = 0; round < MaxRefinements; round++)
        {
            int top = Array.IndexOf(load, load.Max());
            int from = -1, to = -1;
            double delta = 0;
            for (int i = 0; i < items.Count; i++)
            {
                if (hostOf[i] != top || share[i] <= 0) continue;
                for (int j = 0; j < items.Count; j++)
                {
                    if (j == i || items[j].Expert != items[i].Expert) continue;
                    double d = Math.Min(share[i], (load[top] - load[hostOf[j]]) / 2);
                    if (d > delta) (from, to, delta) = (i, j, d);
                }
            }
            if (delta < 1e-9) return;
            share[from] -= delta;
            share[to] += delta;
            load[hostOf[from]] -= delta;
            load[hostOf[to]] += delta;
        }
    }
}
