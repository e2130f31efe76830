using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Simulation;

/// <summary>
/// Replays routed tokens through a plan on a modelled cluster, decode step by decode step (each step takes the next
/// <c>batch</c> tokens of the trace as the step's rows). Per step: the coordinator reads the shared weights
/// (attention etc.), then per layer fans out to the nodes owning the chosen experts (rows of a replicated expert are
/// spread over its copies by the plan's weights) and waits for the slowest:
/// <list type="bullet">
/// <item>node time = Σ over its expert calls of (expert bytes ÷ its weight bandwidth + rows × FLOPs per row ÷ its
/// FLOP rate + call overhead) — a sum, not a max: concurrent calls share the node's memory bandwidth;</item>
/// <item>a remote node adds 2 × latency + (rows out + rows back) × row bytes ÷ link bandwidth; the coordinator's own
/// experts need no network;</item>
/// <item>the coordinator's link carries every remote row out and back, so a layer takes at least 2 × latency + its
/// busier direction's bytes ÷ bandwidth (+ the quickest node's compute);</item>
/// <item>step time = shared time + Σ layers (max of the above).</item>
/// </list>
/// Not modelled: attention's KV-cache reads (short contexts), queueing across steps, GPU kernel efficiency below the
/// bandwidth floor. The calibration inputs are <see cref="SimulatedCluster.CallOverheadSeconds"/> and per-node bandwidth.
/// </summary>
public static class PlacementSimulator
{
    public static SimulationResult Run(PlacementPlan plan, IReadOnlyList<RoutedToken> tokens, SimulatedModel model, SimulatedCluster cluster, int batch)
    {
        var shape = model.Shape;
        if (batch < 1) throw new ArgumentException($"batch must be at least 1, got {batch}");
        int steps = tokens.Count / batch;
        if (steps == 0) throw new ArgumentException($"the trace has {tokens.Count} tokens, fewer than one batch of {batch}");
        if (tokens[0].Experts.Length != shape.Layers)
            throw new ArgumentException($"the trace has {tokens[0].Experts.Length} layers, the model {shape.Layers}");

        var assignment = new ExpertAssignment[shape.Layers, shape.Experts];
        foreach (var a in plan.Experts) assignment[a.Layer, a.Expert] = a;
        string[] hosts = plan.Nodes.Where(n => n.HostsExperts).Select(n => n.Name).ToArray();
        var index = hosts.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        string coordinator = plan.Nodes.First(n => n.HostsSharedWeights).Name;
        int home = index.GetValueOrDefault(coordinator, -1);
        var nodeModels = hosts.Select(cluster.NodeFor).ToArray();
        var link = cluster.Link;
        double shared = model.SharedBytesReadPerStep / cluster.NodeFor(coordinator).WeightBytesPerSecond;

        var chooser = new ReplicaSplitter();
        var rowsPerNode = new double[hosts.Length];
        var rowsPerLayerNode = new double[shape.Layers, hosts.Length];
        var stepTimes = new double[steps];
        double network = 0, compute = 0, straggler = 0, wire = 0, hops = 0, nodesPerTokenLayer = 0, changes = 0, stepImbalance = 0, readImbalance = 0;
        var reads = new int[hosts.Length];
        var rows = new Dictionary<(int Node, int Expert), int>();
        var tokenNodes = new HashSet<int>[batch];
        var previousNodes = new HashSet<int>[batch];
        var nodeTime = new double[hosts.Length];
        var nodeRowsThisLayer = new int[hosts.Length];
        var nodeTokens = new HashSet<int>[hosts.Length];
        for (int h = 0; h < hosts.Length; h++) nodeTokens[h] = [];

        for (int s = 0; s < steps; s++)
        {
            double time = shared;
            for (int t = 0; t < batch; t++) previousNodes[t] = [];
            for (int l = 0; l < shape.Layers; l++)
            {
                rows.Clear();
                Array.Clear(nodeRowsThisLayer);
                foreach (var set in nodeTokens) set.Clear();
                for (int t = 0; t < batch; t++)
                {
                    tokenNodes[t] = [];
                    int remoteCalls = 0;
                    foreach (int e in tokens[s * batch + t].Experts[l])
                    {
                        var a = assignment[l, e];
                        int node = index[a.Nodes[chooser.Next(a)]]; // every copy is live in the simulation
                        if (node != home) remoteCalls++;
                        rows[(node, e)] = rows.GetValueOrDefault((node, e)) + 1;
                        tokenNodes[t].Add(node);
                        nodeTokens[node].Add(t);
                        nodeRowsThisLayer[node]++;
                    }
                    nodesPerTokenLayer += tokenNodes[t].Count;
                    // A call and its answer are 2 messages; per-node calls carry the token once per node.
                    hops += 2 * (cluster.CallsPerNode ? tokenNodes[t].Count(n => n != home) : remoteCalls);
                    if (l > 0 && !tokenNodes[t].Overlaps(previousNodes[t])) changes++;
                    previousNodes[t] = tokenNodes[t];
                }

                Array.Clear(nodeTime);
                var nodeNetwork = new double[hosts.Length];
                var nodeCompute = new double[hosts.Length];
                long totalOut = 0;
                Array.Clear(reads);
                foreach (var ((node, _), n) in rows)
                {
                    reads[node]++;
                    var m = nodeModels[node];
                    nodeCompute[node] += shape.BytesPerExpert / m.WeightBytesPerSecond + n * model.FlopsPerExpertRow / m.FlopsPerSecond;
                    if (!cluster.CallsPerNode) nodeCompute[node] += cluster.CallOverheadSeconds;
                }
                for (int h = 0; h < hosts.Length; h++)
                {
                    if (nodeRowsThisLayer[h] == 0) continue;
                    if (cluster.CallsPerNode) nodeCompute[h] += cluster.CallOverheadSeconds;
                    rowsPerNode[h] += nodeRowsThisLayer[h];
                    rowsPerLayerNode[l, h] += nodeRowsThisLayer[h];
                    if (h != home)
                    {
                        // Per-expert calls carry a row once per expert; per-node calls carry each token once.
                        long bytes = (cluster.CallsPerNode ? nodeTokens[h].Count : nodeRowsThisLayer[h]) * model.RowBytes;
                        nodeNetwork[h] = 2 * link.LatencySeconds + 2.0 * bytes / link.BytesPerSecond;
                        totalOut += bytes;
                    }
                    nodeTime[h] = nodeNetwork[h] + nodeCompute[h];
                }
                wire += 2.0 * totalOut;
                int critical = Array.IndexOf(nodeTime, nodeTime.Max());
                double layer = nodeTime[critical];
                double quickest = nodeCompute.Where((c, h) => nodeRowsThisLayer[h] > 0 && h != home).DefaultIfEmpty(0).Min();
                if (totalOut > 0 && cluster.CoordinatorLinkShared) layer = Math.Max(layer, 2 * link.LatencySeconds + totalOut / link.BytesPerSecond + quickest);
                double[] active = nodeTime.Where((_, h) => nodeRowsThisLayer[h] > 0).ToArray();
                straggler += layer - active.Average();
                network += nodeNetwork[critical] + (layer - nodeTime[critical]); // link-bound excess counts as network
                compute += nodeCompute[critical];
                double meanRows = nodeRowsThisLayer.Average();
                stepImbalance += meanRows == 0 ? 1 : nodeRowsThisLayer.Max() / meanRows;
                readImbalance += reads.Max() / reads.Average();
                time += layer;
            }
            stepTimes[s] = time;
        }

        var sorted = stepTimes.Order().ToArray();
        int tokenCount = steps * batch, layerSteps = steps * shape.Layers;
        double meanStep = stepTimes.Average();
        return new SimulationResult(
            plan.Strategy, batch, steps,
            TokensPerSecond: batch / meanStep,
            MeanStepSeconds: meanStep,
            P50StepSeconds: Percentile(sorted, 0.50),
            P99StepSeconds: Percentile(sorted, 0.99),
            SharedSecondsPerStep: shared,
            NetworkSecondsPerStep: network / steps,
            ComputeSecondsPerStep: compute / steps,
            StragglerSecondsPerStep: straggler / steps,
            NodeLoadImbalance: Imbalance(rowsPerNode),
            LayerImbalance: Enumerable.Range(0, shape.Layers).Average(l => Imbalance(Enumerable.Range(0, hosts.Length).Select(h => rowsPerLayerNode[l, h]).ToArray())),
            StepLayerImbalance: stepImbalance / layerSteps,
            WireBytesPerToken: wire / tokenCount,
            HopsPerToken: hops / tokenCount,
            NodesPerTokenLayer: nodesPerTokenLayer / (tokenCount * (double)shape.Layers),
            NodeChangesPerToken: changes / tokenCount,
            ExtraCopies: plan.Experts.Sum(a => a.Nodes.Count) - plan.Experts.Count,
            ReadImbalance: readImbalance / layerSteps);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static double Imbalance(double[] load)
    {
        double mean = load.Average();
        return mean == 0 ? 1 : load.Max() / mean;
    }
}
