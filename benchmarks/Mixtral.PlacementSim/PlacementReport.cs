using Mixtral.Model.Config;
using System.Globalization;
using System.Text;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Cluster.Placement.Sizing;

namespace Mixtral.PlacementSim;

/// <summary>The markdown report: how the numbers were made, the answer for 8 commodity GPUs, every scenario in full, calibration status.</summary>
internal static class PlacementReport
{
    public static string Render(IReadOnlyList<ScenarioResults> results, IReadOnlyDictionary<string, int> traceTokens, Args args, string png)
    {
        var md = new StringBuilder();
        void Line(FormattableString s) => md.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        Line($"# Expert placement on a simulated cluster (Mixtral-8x7B dimensions)");
        Line($"");
        Line($"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `benchmarks/placement-simulated.sh` (`benchmarks/Mixtral.PlacementSim`). **Simulated, not measured, and not calibrated yet** (see the last section).");
        Line($"The simulation is deterministic arithmetic: the CPU it ran on ({Cpu()}) does not change a number.");
        Line($"");
        Line($"## Inputs");
        Line($"- Model dimensions: `{Path.GetRelativePath(Environment.CurrentDirectory, args.Config)}` (32 layers, hidden 4096, intermediate 14336, 8 experts, top-2). One expert: {Bytes(new ModelSizing(Mixtral.Model.Config.MixtralConfig.Load(args.Config), Precision.BFloat16).BytesPerExpert)} in bf16, {Bytes(new ModelSizing(Mixtral.Model.Config.MixtralConfig.Load(args.Config), Precision.Int8).BytesPerExpert)} in int8 (per-row scales).");
        foreach (var (name, tokens) in traceTokens)
            Line($"- Trace `{name}`: {tokens} routed tokens (`mixtral trace-routing`, see the script for the synth options; expert loads in `placement-routing-{name}.png`). First half → routing statistics for the plans; second half replayed (plans are judged on routing they did not see).");
        Line($"- GPU scenario: 8 nodes, 24 GB each of which 20 GB for weights (4 GB left for KV cache and activations), {NodeModel.CommodityGpu.WeightBytesPerSecond / 1e12:F1} TB/s, {NodeModel.CommodityGpu.FlopsPerSecond / 1e12:F0} TFLOP/s dense bf16 (RTX 4090 class, spec sheet); node n0 is also the coordinator (attention, routers, LM head, KV cache).");
        Line($"- Variants: the same 8 GPUs at 10 GbE, batch 32 with one call per node (each token sent once to a node, the weighted sum of its experts returned; not how the coordinator calls today); and a heterogeneous cluster of 2 GPUs as above plus 2 at half the bandwidth and FLOPs with 12 GB for weights (int8 experts so the model fits), where `capacity-weighted` gets the nodes' bandwidths as speeds.");
        Line($"- CPU scenario (for contrast): 4 nodes like this project's build machines (40 GB/s, 0.116 TFLOP/s), 48 GB for weights each, 10 GbE.");
        Line($"- Links: {string.Join("; ", results.Select(r => r.Scenario.Link).Distinct().Select(l => l.ToString()))}. Call overhead 50 µs per expert call (assumed).");
        Line($"- `replicated` gets a replica budget of 40 GB summed over the cluster; every strategy respects the 20 GB (GPU) / 48 GB (CPU) per-node weight budgets.");
        Line($"");
        Line($"![throughput relative to round-robin]({png})");
        Line($"");
        Line($"## The answer for 8 commodity GPUs");
        Line($"");
        Line($"| trace | network | experts | batch | round-robin tok/s | best strategy | best tok/s | × round-robin | best p50 / p99 ms | replicated tok/s (row max/mean) |");
        Line($"|---|---|---|---|---:|---|---:|---:|---|---|");
        foreach (var r in results.Where(r => r.Scenario.Hardware.StartsWith("8 ×", StringComparison.Ordinal) && !r.Scenario.CallsPerNode))
        {
            var rr = r.Of("round-robin");
            var best = r.Best;
            var rep = r.Of("replicated");
            Line($"| {r.Scenario.Trace} | {r.Scenario.Link.Name} | {r.Scenario.DType.ShortName()} | {r.Scenario.Batch} | {rr.TokensPerSecond:F1} | {best.Strategy} | {best.TokensPerSecond:F1} | {best.TokensPerSecond / rr.TokensPerSecond:F2} | {best.P50StepSeconds * 1e3:F2} / {best.P99StepSeconds * 1e3:F2} | {rep.TokensPerSecond:F1} ({rep.LayerImbalance:F2} vs {rr.LayerImbalance:F2}) |");
        }
        Line($"");
        Line($"## The issue's target, in simulation");
        Line($"");
        Line($"Target: under skewed routing on 10 GbE, the best plan reaches row max/mean ≤ 1.1 per layer and ≥ 1.3× round-robin's throughput.");
        Line($"");
        Line($"| trace | scenario | best strategy | its layer row max/mean | × round-robin | met |");
        Line($"|---|---|---|---:|---:|---|");
        foreach (var r in results.Where(r => r.Scenario.Link.Name == "10 GbE"))
        {
            var best = r.Best;
            double ratio = best.TokensPerSecond / r.Of("round-robin").TokensPerSecond;
            Line($"| {r.Scenario.Trace} | {r.Scenario.Label} | {best.Strategy} | {best.LayerImbalance:F2} | {ratio:F2} | {(best.LayerImbalance <= 1.1 && ratio >= 1.3 ? "yes" : "no")} |");
        }
        Line($"");
        Line($"## Reading the numbers");
        Line($"- **Decode on GPUs is bound by weight reads, not rows.** A node that runs an expert reads all of its weights whether 1 or 32 rows go through it ({Bytes(new ModelSizing(Mixtral.Model.Config.MixtralConfig.Load(args.Config), Precision.BFloat16).BytesPerExpert)} ÷ 1 TB/s ≈ 0.35 ms in bf16; 32 rows add ~0.08 ms of FLOPs). So what sets a layer's time is how many distinct experts the busiest node runs (the *read max/mean* column), not how many rows it serves (*row max/mean*). Copies of a hot expert split its rows but make two nodes read it: on GPUs they cost time unless a node would otherwise idle. Rows start to matter above ~150 rows per expert call (prefill, large batches).");
        Line($"- **On CPU nodes rows matter at batch ≥ ~8**: a row costs 2 FLOPs per weight, and 0.116 TFLOP/s against 40 GB/s makes ~6 rows as expensive as reading the weights once. That is where balancing rows (load-balanced, replicated) pays; see the CPU rows below.");
        Line($"- **The coordinator's link** carries every remote row out and back (2 × 8 KiB per token per expert per layer in bf16 on the wire, ≈ 1 MiB per token over 32 layers). At batch 32 on 10 GbE that is ≈ 13 ms per step in each direction whatever the plan; only experts on the coordinator's own node avoid it. Grouping calls per node (one call per node carrying each token once, returning the weighted sum) would halve it for tokens whose two experts share a node: that is what `pair-affinity` is for; the simulator models it with `--calls-per-node` (`mixtral plan simulate`).");
        foreach (var r in results.Where(r => r.Scenario.CallsPerNode))
        {
            var pair = r.Of("pair-affinity");
            var rr = r.Of("round-robin");
            Line($"  In this run ({r.Scenario.Trace}, {r.Scenario.Label}): pair-affinity sends {pair.WireBytesPerToken / 1024:F0} KB per token against round-robin's {rr.WireBytesPerToken / 1024:F0} KB, and reaches {pair.TokensPerSecond / rr.TokensPerSecond:F2}× its throughput: co-located pairs also put two weight reads on one node (read max/mean {pair.ReadImbalance:F2} vs {rr.ReadImbalance:F2}).");
        }
        Line($"- **`+cost` rows** are load-balanced and replicated given a `StepCost` (`mixtral plan --step-rows N --rows-per-read R`): they balance expected time per node (a weight read for every copy that gets a row, plus its rows' FLOPs) instead of rows, so they make copies only where rows outweigh reads (CPU nodes, big batches) and none where they would only add reads (GPU decode).");
        Line($"- **Inter-layer affinity** (`layer-affinity`) lowers *node changes per token* (what a design that forwards tokens node to node would pay as hops); in this coordinator-centric design every token returns home after each layer, so it saves no hop today.");
        Line($"");
        Line($"## Every scenario");
        foreach (var r in results)
        {
            Line($"");
            Line($"### {r.Scenario.Trace}: {r.Scenario.Label}");
            Line($"");
            Line($"| strategy | tok/s | × RR | p50 ms | p99 ms | shared / network / compute / straggler ms per step | row max/mean (node, layer, step) | read max/mean | KB/token on wire | hops/token | node changes/token | copies |");
            Line($"|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|");
            double rr = r.Of("round-robin").TokensPerSecond;
            foreach (var x in r.Results)
                Line($"| {x.Strategy} | {x.TokensPerSecond:F1} | {x.TokensPerSecond / rr:F2} | {x.P50StepSeconds * 1e3:F2} | {x.P99StepSeconds * 1e3:F2} | {x.SharedSecondsPerStep * 1e3:F2} / {x.NetworkSecondsPerStep * 1e3:F2} / {x.ComputeSecondsPerStep * 1e3:F2} / {x.StragglerSecondsPerStep * 1e3:F2} | {x.NodeLoadImbalance:F2}, {x.LayerImbalance:F2}, {x.StepLayerImbalance:F2} | {x.ReadImbalance:F2} | {x.WireBytesPerToken / 1024:F0} | {x.HopsPerToken:F1} | {x.NodeChangesPerToken:F1} | {x.ExtraCopies} |");
        }
        Line($"");
        Line($"Columns: *row max/mean* = rows per node max ÷ mean over the whole replay (node), per layer over the replay averaged over layers (layer), per layer of each step (step; noisy at batch 1). *read max/mean* = distinct experts run per node per layer-step, max ÷ mean. *hops* = messages a token's hidden state takes (a call and its answer are 2). *node changes* = layers at which none of a token's nodes held one of its previous layer's experts. Network/compute/straggler are those of the slowest node of each layer summed over layers (straggler = slowest minus the mean of the nodes contacted).");
        Line($"");
        Line($"## Calibration (not done yet)");
        Line($"");
        Line($"**These numbers are not calibrated against measurements.** The target is simulated within 25% of measured on real multi-silo runs at small size (`mixtral bench placement`, to come). The simulator takes these calibration inputs; each is an assumption today:");
        Line($"- per-node weight read bandwidth (`--node-bandwidth`, or per-node overrides in `SimulatedCluster.NodeOverrides`): measure with the decode benchmark's bandwidth probe on each node;");
        Line($"- per-node FLOP rate (`--node-tflops`): from a few-row expert matmul timing;");
        Line($"- fan-out overhead per expert call (`--call-overhead-us`, 50 µs assumed): Orleans ping-pong at 8–64 KiB minus the wire time;");
        Line($"- link latency and bandwidth (`--network` presets): a ping-pong sweep over the emulated or real link.");
        Line($"A figure measured elsewhere, for scale only (README, `benchmarks/Mixtral.ClusterBench`, 3 processes on one 2-core machine over loopback): an Orleans fan-out without the math costs 0.08–0.12 ms p50 at the batch-1 shape and 0.19–0.28 ms at the batch-8 shape, consistent in size with the 50 µs per call assumed here.");
        Line($"Not modelled: KV-cache reads in attention (short contexts), kernels below the bandwidth floor, queueing across steps, prefill.");
        return md.ToString();
    }

    private static string Bytes(long b) => string.Create(CultureInfo.InvariantCulture, $"{b / 1e6:F0} MB");

    private static string Cpu()
    {
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() ?? "unknown CPU";
    }
}
