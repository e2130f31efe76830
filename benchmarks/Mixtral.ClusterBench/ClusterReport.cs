using System.Globalization;
using System.Text;
using Mixtral.Model.Config;

namespace Mixtral.ClusterBench;

/// <summary>Writes the markdown report and the bar chart of one run.</summary>
public static class ClusterReport
{
    public static string Write(BenchOptions options, MixtralConfig config, int[] batches,
        IReadOnlyDictionary<int, DecodeMeasurement> single, IReadOnlyDictionary<int, ClusterMeasurement> cluster,
        IReadOnlyList<Mixtral.Cluster.Contracts.Coordinator.FanOutProbe> probes)
    {
        Directory.CreateDirectory(options.Out);
        string png = Path.Combine(options.Out, "cluster-vs-single-process.png");
        Plot(batches, single, cluster, png);

        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Cluster vs single process (decode)");
        md.AppendLine();
        md.AppendLine(inv, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({Environment.MachineName}), load average {LoadAverage()} at the end.");
        md.AppendLine(inv, $"Model: `{options.Model}` ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}, intermediate {config.IntermediateSize}, {config.NumLocalExperts} experts, top-{config.NumExpertsPerTok}), f32 compute.");
        md.AppendLine(inv, $"Each sequence: a {options.PromptLength}-token prompt, {options.Tokens} greedy tokens; decode speed counts tokens after every sequence's first (no prefill), aggregated over the batch.");
        md.AppendLine(inv, $"Cluster: redis-server + 3 `mixtral node` processes on loopback (coordinator; two expert nodes, 4 experts of every layer each), {options.Threads} torch threads on the coordinator and {options.ExpertThreads} on each expert node, hidden states on the wire as {options.Wire}. Single process: the same engine with local experts, {options.Threads} threads. Same run, one after the other.");
        md.AppendLine();
        md.AppendLine("| batch | single process tok/s | cluster tok/s | ratio | wire bytes / token / layer | fan-out p50 ms | fan-out p99 ms | fan-out share of step | expert calls per fan-out | expert compute per fan-out, ms (both nodes) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int b in batches)
        {
            var s = single[b];
            var c = cluster[b];
            md.AppendLine(inv, $"| {b} | {s.TokensPerSecond:F1} | {c.Decode.TokensPerSecond:F1} | {c.Decode.TokensPerSecond / s.TokensPerSecond:F2} | {c.WireBytesPerTokenPerLayer:F0} | {c.FanOutP50Ms:F2} | {c.FanOutP99Ms:F2} | {c.FanOutShareOfStep:P0} | {c.ExpertCallsPerFanOut:F1} | {c.ExpertComputeMsPerFanOut:F2} |");
        }
        md.AppendLine();
        md.AppendLine(inv, $"Wire bytes per token per layer: each token goes to {config.NumExpertsPerTok} experts and comes back, {config.HiddenSize} values each way, so {config.NumExpertsPerTok} × 2 × {config.HiddenSize} × bytes per value ({options.Wire}) plus a small header per call.");
        md.AppendLine("The fan-out share is the part of the coordinator's step spent waiting for experts (their compute included); the rest is attention, routing, the LM head and sampling on the coordinator.");
        md.AppendLine();
        md.AppendLine("The same fan-out shapes to experts that return their rows without computing (`IExpertGrain.ProbeAsync`), timed on the coordinator: the cost of distribution alone (bf16 encode/decode, Orleans serialisation, loopback TCP, scheduling).");
        md.AppendLine();
        md.AppendLine("| shape | like | p50 ms | p99 ms |");
        md.AppendLine("|---|---|---:|---:|");
        foreach (var p in probes)
            md.AppendLine(inv, $"| {p.Experts} experts × {p.RowsPerExpert} rows | {(p.RowsPerExpert == 1 ? "batch 1" : p.RowsPerExpert == 2 ? "batch 8" : "batch 32")} | {p.P50Ms:F3} | {p.P99Ms:F3} |");
        md.AppendLine();
        md.AppendLine("## Where the time goes");
        md.AppendLine();
        for (int i = 0; i < batches.Length && i < probes.Count; i++)
        {
            var c = cluster[batches[i]];
            var p = probes[i];
            md.AppendLine(inv, $"- Batch {batches[i]}: the coordinator waits {c.FanOutP50Ms:F2} ms (p50) per layer for its experts; the same fan-out without the math takes {p.P50Ms:F3} ms, " +
                               $"so distribution itself is {p.P50Ms / c.FanOutP50Ms:P0} of the wait and the experts' compute (wire conversion included: {c.ExpertComputeMsPerFanOut:F2} ms per fan-out summed over the two nodes, which run in parallel) is the rest.");
        }
        md.AppendLine(inv, $"- On one {Environment.ProcessorCount}-core machine the three processes share the cores and one memory bus: the expert nodes read their weights concurrently, so their combined bandwidth is at best what the single process gets alone, and every thread of a process is one the others do not have. The cluster cannot be faster than the single process here; what it buys is memory capacity (each node holds only its experts), which this benchmark does not need.");
        md.AppendLine();
        md.AppendLine("![decode tokens/s](cluster-vs-single-process.png)");
        md.AppendLine();
        md.AppendLine(inv, $"Reproduce: `dotnet run -c Release --project benchmarks/Mixtral.ClusterBench -- --model {options.Model} --tokens {options.Tokens} --threads {options.Threads} --expert-threads {options.ExpertThreads} --wire {options.Wire}`");
        string path = Path.Combine(options.Out, "cluster-vs-single-process.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static void Plot(int[] batches, IReadOnlyDictionary<int, DecodeMeasurement> single, IReadOnlyDictionary<int, ClusterMeasurement> cluster, string path)
    {
        using var plot = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        for (int i = 0; i < batches.Length; i++)
        {
            double x = i * 3;
            bars.Add(new ScottPlot.Bar { Position = x, Value = single[batches[i]].TokensPerSecond, FillColor = ScottPlot.Colors.SteelBlue });
            bars.Add(new ScottPlot.Bar { Position = x + 1, Value = cluster[batches[i]].Decode.TokensPerSecond, FillColor = ScottPlot.Colors.Orange });
            ticks.Add(new ScottPlot.Tick(x + 0.5, $"batch {batches[i]}"));
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("decode tokens/s (aggregate)");
        plot.Title("Single process (blue) vs 3-process loopback cluster (orange)");
        plot.SavePng(path, 800, 480);
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
