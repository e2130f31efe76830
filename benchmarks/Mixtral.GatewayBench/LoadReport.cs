using System.Globalization;
using System.Text;
using Mixtral.Bench;
using ScottPlot;

namespace Mixtral.GatewayBench;

/// <summary>The markdown report and the PNG plot of one run.</summary>
public static class LoadReport
{
    public static void Write(string outPrefix, IReadOnlyList<LevelResult> levels, MachineInfo machine, LoadProfile profile, string command, string serverCommand, string load)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine("# HTTP API under load (`mixtral serve`, `mid` preset)").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on **{machine.Cpu}** ({machine.LogicalCores} logical cores, {machine.VectorIsa}, {machine.MemoryGiB:F0} GiB), {machine.Os}, {machine.Runtime}.");
        md.AppendLine("The machine is shared (other builds and tests ran on its cores during the run), and the load generator, the HTTP server and the");
        md.AppendLine(CultureInfo.InvariantCulture, $"model share the same two cores, so every figure here is a lower bound for a dedicated machine. Load average at the end: {load}.").AppendLine();
        md.AppendLine("Reproduce:").AppendLine().AppendLine("```bash").AppendLine("./mixtral synth --preset mid --out /tmp/mid-gw")
            .AppendLine(serverCommand + " &").AppendLine(command).AppendLine("```").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Each level: `concurrency` clients stream greedy requests back to back over `POST /generate_stream` (TGI's SSE). Prompt {profile.MinPromptWords}–{profile.MaxPromptWords} words and output {profile.MinOutputTokens}–{profile.MaxOutputTokens} tokens, uniform, seed {profile.Seed}. Throughput = generated tokens / wall time of the level (ramp-up and the tail included). TTFT = request sent → first token event; inter-token latency = between two token events of one stream.").AppendLine();
        md.AppendLine("The floor: a decode step of B sequences reads the shared weights once and, per layer, every expert any of its tokens chose — E·(1 − (1 − k/E)^B) of them with routing spread evenly (the benchmark's assumption; 2 at B = 1) — at the read bandwidth measured by `MemoryBandwidth` in this process just before the level (the same measurement as `Mixtral.Bench`). Floor tokens/s = B / (bytes per step / bandwidth), with B = min(concurrency, the server's max batch). Prefill steps and the HTTP path are inside the measured time and not in the floor.").AppendLine();
        md.AppendLine("| concurrency | batch B | requests | tokens | wall s | tokens/s | experts/layer read | bandwidth GB/s | floor tokens/s | fraction of floor | TTFT p50 ms | TTFT p99 ms | ITL p50 ms | ITL p99 ms |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var l in levels)
            md.AppendLine(c, $"| {l.Concurrency} | {l.Batch} | {l.Requests} | {l.Tokens} | {l.WallSeconds:F1} | {l.TokensPerSecond:F1} | {l.ExpectedExpertsPerLayer:F2} | {l.BandwidthGBps:F1} | {l.FloorTokensPerSecond:F1} | **{l.FractionOfFloor:P0}** | {l.TtftP50:F0} | {l.TtftP99:F0} | {l.ItlP50:F1} | {l.ItlP99:F1} |");
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
        if (levels.FirstOrDefault(l => l.Concurrency == 16) is { } sixteen)
            md.AppendLine(c, $"Target: 16 streams at ≥ 70% of the floor. Measured: {sixteen.FractionOfFloor:P0} ({(sixteen.FractionOfFloor >= 0.7 ? "met" : "not met")} in this run).").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![throughput against the floor]({Path.GetFileName(outPrefix)}.png)");
        File.WriteAllText(outPrefix + ".md", md.ToString());
        Plot(outPrefix + ".png", levels);
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
        var floor = plot.Add.Scatter(x, [.. levels.Select(l => l.FloorTokensPerSecond)]);
        floor.LegendText = "memory-bandwidth floor for the batch";
        floor.Color = Colors.Gray;
        floor.LinePattern = LinePattern.Dashed;
        for (int i = 0; i < levels.Count; i++)
            plot.Add.Text(levels[i].FractionOfFloor.ToString("P0", CultureInfo.InvariantCulture), x[i], levels[i].TokensPerSecond);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(x, [.. levels.Select(l => $"{l.Concurrency} streams")]);
        plot.Title("mixtral serve, mid preset: generated tokens/s by concurrent streams");
        plot.YLabel("tokens/s");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 560);
    }
}
