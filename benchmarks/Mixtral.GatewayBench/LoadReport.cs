using System.Globalization;
using System.Text;
using Mixtral.Bench;
using ScottPlot;

namespace Mixtral.GatewayBench;

/// <summary>The markdown report and the PNG plot of one run.</summary>
public static class LoadReport
{
    public static void Write(string outPrefix, IReadOnlyList<LevelResult> levels, MachineInfo machine, LoadProfile profile, string command, IReadOnlyList<string> setup, string load, int requestsPerClient)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine("# HTTP API under load (`mixtral serve`, `mid` preset)").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on **{machine.Cpu}** ({machine.LogicalCores} logical cores, {machine.VectorIsa}, {machine.MemoryGiB:F0} GiB), {machine.Os}, {machine.Runtime}.");
        md.AppendLine("The machine is shared (other builds and tests ran on its cores during the run), and the load generator, the HTTP server and the");
        md.AppendLine(CultureInfo.InvariantCulture, $"model share the same two cores, so every figure here is a lower bound for a dedicated machine. Load average at the end: {load}.").AppendLine();
        md.AppendLine("Reproduce:").AppendLine().AppendLine("```bash");
        foreach (var line in setup) md.AppendLine(line);
        md.AppendLine(command).AppendLine("```").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Each level: `concurrency` clients (closed loop: each sends its next request when the previous one ends, {requestsPerClient} requests per client, at least 4 per level) stream greedy requests back to back over `POST /generate_stream` (TGI's SSE). Prompt {profile.MinPromptWords}–{profile.MaxPromptWords} words and output {profile.MinOutputTokens}–{profile.MaxOutputTokens} tokens, uniform, seed {profile.Seed}. Throughput = generated tokens / wall time of the level (ramp-up and the tail included). **Steady state** = the tokens that arrived while every client was streaming (from the first token of the first wave's last request until the last request was sent) over that window's length: what the server sustains with `concurrency` requests in flight, as a load test's measurement window. TTFT = request sent → first token event; inter-token latency = between two token events of one stream.").AppendLine();
        md.AppendLine("The floor: a decode step of B sequences reads the shared weights once and, per layer, every expert any of its tokens chose — E·(1 − (1 − k/E)^B) of them with routing spread evenly (the benchmark's assumption; 2 at B = 1) — at the read bandwidth measured by `MemoryBandwidth` in this process just before the level (the same measurement as `Mixtral.Bench`); it is measured again right after, and ⚠ marks a level whose two samples differ by more than a quarter (this VM's bandwidth jumps between ~35 and ~60 GB/s from minute to minute: such a level's fraction of the floor is not comparable). Floor tokens/s = B / (bytes per step / bandwidth), with B = min(concurrency, the server's max batch). Prefill steps and the HTTP path are inside the measured time and not in the floor.").AppendLine();
        md.AppendLine("| concurrency | batch B | requests | tokens | wall s | tokens/s | experts/layer read | bandwidth GB/s (before / after) | floor tokens/s | fraction of floor | steady state: tokens/s (window s) | steady state: fraction of floor | steady state: fraction of the floor at the higher sample | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in levels)
            md.AppendLine(c, $"| {l.Concurrency} | {l.Batch} | {l.Requests} | {l.Tokens} | {l.WallSeconds:F1} | {l.TokensPerSecond:F1} | {l.ExpectedExpertsPerLayer:F2} | {l.BandwidthGBps:F1} / {l.BandwidthAfterGBps:F1}{(l.BandwidthMoved ? " ⚠" : "")} | {l.FloorTokensPerSecond:F1} | **{l.FractionOfFloor:P0}** | {(l.Steady is { } w ? $"{w.TokensPerSecond:F1} ({w.Seconds:F1})" : "–")} | {(l.SteadyFractionOfFloor is { } f ? $"**{f:P0}**" : "–")} | {(l.SteadyFractionOfHigherFloor is { } h ? $"{h:P0}" : "–")} | {l.TtftP50:F0} | {l.TtftP99:F0} | {l.ItlP50:F1} | {l.ItlP99:F1} |");
        md.AppendLine();
        if (levels.Any(l => l.Direct is not null))
        {
            md.AppendLine("The same requests over the typed .NET client (Orleans, no HTTP), right after each HTTP level in the same run: the ratio is what the HTTP layer (Kestrel, JSON, SSE, the client's parsing) costs.").AppendLine();
            md.AppendLine("| concurrency | .NET client tokens/s | HTTP tokens/s | HTTP / .NET client | .NET TTFT p50 ms | HTTP TTFT p50 ms | .NET ITL p50 ms | HTTP ITL p50 ms |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var l in levels.Where(l => l.Direct is not null))
                md.AppendLine(c, $"| {l.Concurrency} | {l.Direct!.TokensPerSecond:F1} | {l.TokensPerSecond:F1} | **{l.TokensPerSecond / l.Direct.TokensPerSecond:F2}** | {l.Direct.TtftP50:F0} | {l.TtftP50:F0} | {l.Direct.ItlP50:F1} | {l.ItlP50:F1} |");
            md.AppendLine();
        }
        StepFloorSection(md, levels);
        BaselineSection(md, levels);
        if (levels.FirstOrDefault(l => l.Concurrency == 16) is { } sixteen)
        {
            md.AppendLine(c, $"Target: 16 streams at ≥ 70% of the floor. Against the floor of the steps the server ran: {(sixteen.Server is { } s16 ? $"**{s16.Fraction:P0}** over the wall time ({(s16.Fraction >= 0.7 ? "met" : "not met")} in this run), its decode steps at **{s16.DecodeFraction:P0}** of theirs" : "not measured (the server publishes no per-kind step counters)")}; against the B = 16 floor of the first table: {sixteen.FractionOfFloor:P0} over the whole level{(sixteen.SteadyFractionOfFloor is { } steady16 ? $", **{steady16:P0}** in its steady state ({(steady16 >= 0.7 ? "met" : "not met")}){(sixteen.SteadyFractionOfHigherFloor is { } high16 && high16 < steady16 ? $", {high16:P0} against the floor at the higher of its two bandwidth samples" : "")}" : "")}.");
            md.AppendLine();
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"![throughput against the floor]({Path.GetFileName(outPrefix)}.png)");
        File.WriteAllText(outPrefix + ".md", md.ToString());
        Plot(outPrefix + ".png", levels);
    }

    /// <summary>The levels against the floor of the steps the server actually ran (read from its /metrics around each level).</summary>
    private static void StepFloorSection(StringBuilder md, IReadOnlyList<LevelResult> levels)
    {
        var c = CultureInfo.InvariantCulture;
        if (!levels.Any(l => l.Server is not null)) return;
        md.AppendLine("## Against the floor of the steps the server ran").AppendLine();
        md.AppendLine("The B = concurrency floor above assumes every step of the level decodes `concurrency` sequences. It does not: the batch fills as requests arrive and drains as they finish, prompts are prefilled in steps of their own, and a client's next request waits for its previous one. So the server counts, for every step, its kind (prefill: it carried prompt tokens; decode: one generated token per sequence), its sequences, its time, and the distinct experts its tokens chose per layer (`mixtral.engine.step.*` on `GET /metrics`, tag `kind`); the benchmark reads them before and after each level. Each step's floor is the shared weights once plus every expert its tokens chose, at the bandwidth measured before the level; the level's floor time is the sum over its steps (prefill steps too, at their weight reads only: their extra compute counts against us). **Fraction of the per-step floor** = Σ floor time / wall time, i.e. measured tokens/s over the tokens/s the steps it ran would reach at the floor. **Decode steps** = Σ floor time of the decode steps / the time inside them: the batched decode step's own efficiency, without prefill, idle gaps or HTTP. The KV cache reads (≤ 2% of a step's bytes at these lengths) are left out of the floor.").AppendLine();
        md.AppendLine("| concurrency | tokens/s | per-step floor tokens/s | fraction of per-step floor | decode steps | sequences per decode step | experts/layer per decode step | decode steps' time s | their floor s | decode steps at | prefill steps: share of wall | idle share of wall |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in levels.Where(l => l.Server is not null))
        {
            var s = l.Server!;
            double floorTokens = l.Tokens / (s.FloorDecodeSeconds + s.FloorPrefillSeconds);
            md.AppendLine(c, $"| {l.Concurrency} | {l.TokensPerSecond:F1} | {floorTokens:F1} | **{s.Fraction:P0}** | {s.Steps.Decode.Steps} | {s.Steps.Decode.SequencesPerStep:F1} | {s.Steps.Decode.ExpertsPerLayerPerStep(s.Layers):F2} | {s.Steps.Decode.Seconds:F1} | {s.FloorDecodeSeconds:F1} | **{s.DecodeFraction:P0}** | {s.PrefillShareOfWall:P0} | {s.IdleShareOfWall:P0} |");
        }
        md.AppendLine();
    }

    /// <summary>The same requests against another server (an older build) in the same run, levels alternating which goes first.</summary>
    private static void BaselineSection(StringBuilder md, IReadOnlyList<LevelResult> levels)
    {
        var c = CultureInfo.InvariantCulture;
        if (!levels.Any(l => l.Baseline is not null)) return;
        md.AppendLine("## This build against the baseline server, same run").AppendLine();
        md.AppendLine("The same requests, level by level, against a second `mixtral serve` on the same model (the baseline: an older build, or this build with other flags; the notes under the report say which) (the two servers alternate which runs a level first; the idle one only waits). Only these ratios compare builds: absolute figures move with the machine's other load.").AppendLine();
        md.AppendLine("| concurrency | baseline tokens/s | this build tokens/s | this build / baseline | ITL p50 ms (baseline / this) | ITL p99 ms (baseline / this) | TTFT p50 ms (baseline / this) | TTFT p99 ms (baseline / this) |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in levels.Where(l => l.Baseline is not null))
        {
            var b = l.Baseline!;
            md.AppendLine(c, $"| {l.Concurrency} | {b.TokensPerSecond:F1} | {l.TokensPerSecond:F1} | **{l.TokensPerSecond / b.TokensPerSecond:F2}** | {b.ItlP50:F1} / {l.ItlP50:F1} | {b.ItlP99:F1} / {l.ItlP99:F1} | {b.TtftP50:F0} / {l.TtftP50:F0} | {b.TtftP99:F0} / {l.TtftP99:F0} |");
        }
        md.AppendLine();
    }

    private static void Plot(string path, IReadOnlyList<LevelResult> levels)
    {
        using var plot = new Plot();
        double[] x = [.. levels.Select((_, i) => (double)i)];
        var measured = plot.Add.Scatter(x, [.. levels.Select(l => l.TokensPerSecond)]);
        measured.LegendText = "measured tokens/s (HTTP, end to end)";
        measured.Color = Colors.SteelBlue;
        if (levels.All(l => l.Direct is not null))
        {
            var direct = plot.Add.Scatter(x, [.. levels.Select(l => l.Direct!.TokensPerSecond)]);
            direct.LegendText = "same load over the typed .NET client (no HTTP)";
            direct.Color = Colors.Orange;
        }
        if (levels.All(l => l.Baseline is not null))
        {
            var old = plot.Add.Scatter(x, [.. levels.Select(l => l.Baseline!.TokensPerSecond)]);
            old.LegendText = "baseline build, same requests, same run";
            old.Color = Colors.IndianRed;
        }
        if (levels.All(l => l.Server is not null))
        {
            var steps = plot.Add.Scatter(x, [.. levels.Select(l => l.Tokens / (l.Server!.FloorDecodeSeconds + l.Server.FloorPrefillSeconds))]);
            steps.LegendText = "floor of the steps the server ran";
            steps.Color = Colors.Black;
            steps.LinePattern = LinePattern.Dotted;
        }
        var floor = plot.Add.Scatter(x, [.. levels.Select(l => l.FloorTokensPerSecond)]);
        floor.LegendText = "memory-bandwidth floor for B = concurrency";
        floor.Color = Colors.Gray;
        floor.LinePattern = LinePattern.Dashed;
        for (int i = 0; i < levels.Count; i++)
            plot.Add.Text(levels[i].Server is { } server
                ? $"{server.Fraction.ToString("P0", CultureInfo.InvariantCulture)} of step floor"
                : levels[i].FractionOfFloor.ToString("P0", CultureInfo.InvariantCulture), x[i], levels[i].TokensPerSecond);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(x, [.. levels.Select(l => $"{l.Concurrency} streams")]);
        plot.Title("mixtral serve, mid preset: generated tokens/s by concurrent streams");
        plot.YLabel("tokens/s");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 560);
    }
}
