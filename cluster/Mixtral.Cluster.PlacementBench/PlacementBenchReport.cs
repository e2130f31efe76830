using System.Globalization;
using System.Text;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>Writes benchmarks/results/NAME.md and its PNGs for one `mixtral bench placement` run.</summary>
public static class PlacementBenchReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions =
        new() { WriteIndented = true, PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };

    public static string Write(PlacementBenchOptions o, MixtralConfig config, PlacementBenchResult r, string command)
    {
        Directory.CreateDirectory(o.OutDir);
        string throughputPng = o.ReportName + "-throughput.png", latencyPng = o.ReportName + "-latency.png", loadPng = o.ReportName + "-node-load.png";
        var ms = r.Measurements;
        PlacementBenchCharts.Throughput(ms, $"{o.Nodes} nodes, {o.Network}, workload {o.Workload.Name}", Path.Combine(o.OutDir, throughputPng));
        PlacementBenchCharts.Latency(ms, Path.Combine(o.OutDir, latencyPng));
        PlacementBenchCharts.NodeLoads(ms, Path.Combine(o.OutDir, loadPng));

        int rowBytes = config.HiddenSize * o.WireBytesPerValue;
        var rr = ms.FirstOrDefault(m => m.Strategy == "round-robin");
        var md = new StringBuilder();
        md.AppendLine("# Placement benchmark: measured on a real multi-process cluster");
        md.AppendLine();
        md.AppendLine(Inv, $"Measured {r.StartedUtc:yyyy-MM-dd HH:mm}–{r.FinishedUtc:HH:mm} UTC on {CpuName()} ({Environment.ProcessorCount} cores, shared with other work: load average {LoadAverage()} at the end) by `{command}`.");
        md.AppendLine();
        md.AppendLine("## Setup");
        md.AppendLine(Inv, $"- Model `{o.Model}`: {config.NumHiddenLayers} layers, hidden {config.HiddenSize} (Mixtral-8x7B's row width, so a row on the wire is as big as the real model's), intermediate {config.IntermediateSize}, {config.NumLocalExperts} experts, top-{config.NumExpertsPerTok}, vocabulary {config.VocabSize}.");
        md.AppendLine(Inv, $"- Cluster: redis-server and {o.Nodes} `mixtral node` processes on loopback, {o.ThreadsPerNode} torch thread(s) each; n0 is the coordinator and holds experts too, n1…n{o.Nodes - 1} hold experts. Hidden states on the wire as {o.WireDType} ({rowBytes} bytes per row).");
        md.AppendLine(Inv, $"- Network: {(o.Network == "none" ? "not emulated" : $"`--network {o.Network}` on the coordinator ({Simulation(o.Network)} per link, each way; calls to one node queue for its link; the coordinator's own uplink is not limited)")}.");
        if (o.EmulatedNode is { } device)
            md.AppendLine(Inv, $"- Node compute: **emulated** (`--emulate-device {o.EmulateDevice}`: {device}). Every expert call also occupies its node's one emulated device for as long as a Mixtral-8x7B bf16 expert takes there ({EmulatedExpert.CallSeconds(device, 1) * 1e3:F2} ms for 1 row, +{EmulatedExpert.RowSeconds(device) * 1e3:F2} ms per further row; {EmulatedExpert.RowsPerRead(device):F1} rows cost one weight read), calls of one node queueing for it; the real computation of the small model runs inside that time. Waiting costs no CPU, so the nodes behave like separate machines of that kind: what this run measures is the placement, not how {o.Nodes} processes share {Environment.ProcessorCount} cores.");
        md.AppendLine(Inv, $"- Workload `{o.WorkloadPath}` ({o.Workload.Name}): {o.Workload.Requests} requests, concurrency {o.Workload.Concurrency}, arrivals {(o.Workload.ArrivalRatePerSecond is double a ? $"Poisson {a}/s" : "closed loop")}, prompt tokens {o.Workload.PromptTokens}, output tokens {o.Workload.OutputTokens}, greedy; the same requests for every plan.");
        md.AppendLine(Inv, $"- Plans from routing statistics: {r.StatisticsSource} ({r.StatisticsTokens} routed tokens); replica budget {o.ReplicaBudgetGb} GB (experts held in f32 on the nodes).");
        md.AppendLine("- Node load = rows (token-expert pairs) each node served in the measured run: the statistics grain's routing of the run, split over copies by the plan's shares; calls and compute per node are the nodes' own counters.");
        md.AppendLine();
        md.AppendLine(o.Repeat == 1 ? "## Results (measured, one run, plans one after another)"
            : $"## Results (measured: {o.Repeat} rounds alternating the plans; each row is the strategy's median-throughput run)");
        md.AppendLine();
        md.AppendLine("| strategy | tok/s | × RR | p50 latency ms | p99 latency ms | p50 first token ms | node rows max/mean | per-layer max/mean | calls max/mean | compute max/mean | KB/token on wire | hops/token | calls per fan-out | fan-out share of step | step ms | copies |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in ms)
            md.AppendLine(Inv, $"| {m.Strategy} | {m.TokensPerSecond:F1} | {(rr is null ? "–" : (m.TokensPerSecond / rr.TokensPerSecond).ToString("F2", Inv))} | {m.P50LatencyMs:F0} | {m.P99LatencyMs:F0} | {m.P50FirstTokenMs:F0} | {m.NodeImbalance:F2} | {m.LayerImbalance:F2} | {m.CallImbalance:F2} | {m.ComputeImbalance:F2} | {m.WireBytesPerToken / 1024:F1} | {m.HopsPerToken(rowBytes):F1} | {m.CallsPerFanOut:F1} | {m.FanOutShare:P0} | {m.StepMeanMs:F1} | {m.ExtraCopies} |");
        md.AppendLine();
        md.AppendLine(Inv, $"![throughput]({throughputPng}) ![latency]({latencyPng}) ![node load]({loadPng})");
        md.AppendLine();
        if (o.Repeat > 1)
        {
            md.AppendLine("Every run's tok/s, in order:");
            md.AppendLine();
            foreach (var (strategy, runs) in r.RunsTokensPerSecond)
                md.AppendLine($"- {strategy}: {string.Join(", ", runs.Select(t => t.ToString("F1", Inv)))}");
            md.AppendLine();
        }
        md.AppendLine("Per node (rows served / expert calls / compute ms):");
        md.AppendLine();
        md.AppendLine("| strategy | " + string.Join(" | ", ms[0].NodeLoads.Select(n => n.Node)) + " |");
        md.AppendLine("|---|" + string.Concat(ms[0].NodeLoads.Select(_ => "---:|")));
        foreach (var m in ms)
            md.AppendLine($"| {m.Strategy} | " + string.Join(" | ", m.NodeLoads.Select(n => string.Create(Inv, $"{n.Rows:F0} / {n.Calls} / {n.ComputeMs:F0}"))) + " |");
        md.AppendLine();
        if (rr is not null && ms.Count > 1)
        {
            md.AppendLine("## Target: max/mean node load ≤ 1.1 and ≥ 1.3× round-robin's throughput");
            static bool Balanced(StrategyMeasurement m) => Math.Max(m.NodeImbalance, m.LayerImbalance) <= 1.1;
            string Verdict(StrategyMeasurement m) => string.Create(Inv,
                $"**{m.Strategy}**, {m.TokensPerSecond / rr.TokensPerSecond:F2}× round-robin's throughput ({(m.TokensPerSecond / rr.TokensPerSecond >= 1.3 ? "met" : "not met")}), node rows max/mean {m.NodeImbalance:F2} over the run and {m.LayerImbalance:F2} per layer ({(Balanced(m) ? "met" : "not met")}: both must be ≤ 1.1, per layer is what a fan-out waits for)");
            var best = ms.Where(m => m != rr).MaxBy(m => m.TokensPerSecond)!;
            md.AppendLine(Inv, $"Fastest plan: {Verdict(best)}; round-robin: {rr.NodeImbalance:F2} and {rr.LayerImbalance:F2}.");
            if (!Balanced(best) && ms.Where(m => m != rr && Balanced(m)).MaxBy(m => m.TokensPerSecond) is { } balanced)
                md.AppendLine(Inv, $"\nFastest of the plans within the load bound: {Verdict(balanced)}.");
            md.AppendLine();
        }
        if (r.Calibration is { } c) AppendCalibration(md, c, o);
        md.AppendLine("## Reading these numbers");
        if (o.EmulatedNode is null)
            md.AppendLine(Inv, $"- All {o.Nodes} nodes share this machine's {Environment.ProcessorCount} cores: a node's compute is not its own, so compute imbalance costs less here than on separate machines (an idle node's core goes to a busy one). What placement changes on one machine is the emulated link time (each node's rows queue on its own link) and the number of calls (`--emulate-device` gives each node a device of its own).");
        else
            md.AppendLine("- Each node's expert time is its emulated device's: rows and weight reads per node, which placement sets, decide how long the busiest node keeps a layer waiting. Orleans, the coordinator's own step and the small model's real arithmetic still share this machine's cores, and are the same for every plan except for the number of calls.");
        md.AppendLine("- The emulation does not limit the coordinator's own uplink: every remote row crosses it on a real cluster, so with one 10 GbE NIC on the coordinator the total bytes per layer, which no placement changes, bound the step (the simulator models both; see `mixtral bench placement --simulate`).");
        md.AppendLine("- Replication adds calls (a hot expert's rows split over its copies): each call costs Orleans dispatch and serialisation, so copies pay off only where the wire time they balance outweighs that.");
        md.AppendLine();
        md.AppendLine(Inv, $"Reproduce: `{command}`");
        string path = Path.Combine(o.OutDir, o.ReportName + ".md");
        File.WriteAllText(path, md.ToString());
        File.WriteAllText(Path.Combine(o.OutDir, o.ReportName + ".json"), Json(ms, rowBytes, r.Calibration));
        return path;
    }

    /// <summary>The numbers of the tables, for scripts: one object per strategy (snake_case), and the calibration.</summary>
    private static string Json(IReadOnlyList<StrategyMeasurement> ms, int rowBytes, Calibration? c) =>
        System.Text.Json.JsonSerializer.Serialize(new
        {
            strategies = ms.Select(m => new
            {
                strategy = m.Strategy, tokens_per_second = m.TokensPerSecond, rows_per_second = m.RowsPerSecond, requests = m.Requests,
                generated_tokens = m.GeneratedTokens, rows = m.Rows, steps = m.Steps, p50_latency_ms = m.P50LatencyMs, p99_latency_ms = m.P99LatencyMs,
                node_imbalance = m.NodeImbalance, layer_imbalance = m.LayerImbalance, call_imbalance = m.CallImbalance,
                wire_bytes_per_token = m.WireBytesPerToken, hops_per_token = m.HopsPerToken(rowBytes), calls_per_fan_out = m.CallsPerFanOut,
                expert_calls = m.ExpertCalls, extra_copies = m.ExtraCopies,
                nodes = m.NodeLoads.Select(n => new { node = n.Node, rows = n.Rows, calls = n.Calls, compute_ms = n.ComputeMs }),
            }),
            calibration = c,
        }, JsonOptions) + "\n";

    private static void AppendCalibration(StringBuilder md, Calibration c, PlacementBenchOptions o)
    {
        md.AppendLine("## Simulated against measured (calibration)");
        md.AppendLine(Inv, $"The simulator (`PlacementSimulator`, the one `mixtral plan simulate` and `--simulate` use) replays the routing trace `{o.TracePath}` of the same model through each plan on a modelled cluster with the same nodes, the same emulated links (per-node lanes, coordinator uplink not limited) and inputs measured in this run on **{c.FittedOn}**: {c.Batch} rows per step (the run's mean), {c.ComputePerCallMs:F3} ms of node compute per expert call (the nodes' counters{(o.EmulatedNode is { } n ? string.Create(Inv, $"; the simulator itself charges the emulated device's cost, {n}") : "")}), {c.SharedMsPerStep:F2} ms per step on the coordinator outside the fan-outs; {(c.Fitted
            ? string.Create(Inv, $"one constant fitted so that {c.FittedOn}'s simulated mean step equals its measured one: {c.CallOverheadMs:F3} ms per call (Orleans dispatch, serialisation and scheduling on shared cores). Every other row is a prediction.")
            : string.Create(Inv, $"the one constant meant to be fitted to {c.FittedOn}'s mean step (a fixed cost per call: Orleans dispatch, serialisation, scheduling) comes out at zero: with no per-call cost at all the simulated step is already at or above the measured one. So nothing is fitted, and every row, {c.FittedOn}'s too, is a prediction."))}");
        md.AppendLine();
        md.AppendLine("| strategy | measured step ms | simulated step ms | error | measured rows/s | simulated rows/s | error | measured node max/mean | simulated node max/mean | emulated link ms per step (simulated) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in c.Rows)
            md.AppendLine(Inv, $"| {row.Strategy}{(row.Strategy == c.FittedOn && c.Fitted ? " (fitted)" : "")} | {row.MeasuredStepMs:F2} | {row.SimulatedStepMs:F2} | {Percent(row.StepError)} | {row.MeasuredRowsPerSecond:F0} | {row.SimulatedRowsPerSecond:F0} | {Percent(row.ThroughputError)} | {row.MeasuredNodeImbalance:F2} | {row.SimulatedNodeImbalance:F2} | {row.SimulatedNetworkMsPerStep:F2} |");
        md.AppendLine();
        md.AppendLine(o.EmulatedNode is null
            ? string.Create(Inv, $"The last column is the part of a step the emulated links add on the critical path (per layer, the slowest node's link time), which is all that placement can change here; the rest of the measured step is CPU work shared by {o.Nodes} processes on {Environment.ProcessorCount} cores.")
            : "The last column is the part of a step the emulated links add on the critical path (per layer, the slowest node's link time); the emulated devices' time per node is the other part placement changes.");
        var predictions = c.Rows.Where(x => x.Strategy != c.FittedOn || !c.Fitted).ToList();
        if (predictions.Count > 0)
            md.AppendLine(Inv, $"\nLargest prediction error: step {predictions.Max(x => Math.Abs(x.StepError)):P0}, throughput {predictions.Max(x => Math.Abs(x.ThroughputError)):P0} (target: within 25%).");
        md.AppendLine();
    }

    private static string Percent(double x) => (x >= 0 ? "+" : "−") + Math.Abs(x * 100).ToString("F0", Inv) + "%";

    private static string Simulation(string preset)
    {
        var link = Mixtral.Cluster.Placement.Simulation.LinkModel.Preset(preset);
        return string.Create(Inv, $"{link.LatencySeconds * 1e6:F0} µs + bytes ÷ {link.BytesPerSecond / 1e9:F3} GB/s");
    }

    internal static string CpuName()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"; }
        catch (IOException) { return "unknown CPU"; }
    }

    internal static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
