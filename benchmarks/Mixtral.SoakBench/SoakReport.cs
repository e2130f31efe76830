using System.Globalization;
using System.Text;

namespace Mixtral.SoakBench;

/// <summary>Writes the soak's markdown report and its memory plot (resident MiB per node over time, kills marked).</summary>
public static class SoakReport
{
    public static string Write(SoakOptions options, TimeSpan elapsed, SoakTally tally, MemorySampler memory, IReadOnlyList<(double Seconds, string What)> events)
    {
        Directory.CreateDirectory(options.Out);
        string png = Path.Combine(options.Out, "failover-soak-memory.png");
        Plot(memory, events, png);
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Failover soak: concurrent streams while expert nodes are killed");
        md.AppendLine();
        md.AppendLine(inv, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({CpuName()}), load average {LoadAverage()} at the end (the machine was shared with other builds).");
        md.AppendLine(inv, $"Model `{options.Model}`; redis-server + 3 `mixtral node` processes on loopback: a coordinator and two expert nodes with **one copy** of every expert (round-robin), {options.Threads} torch thread(s) each, f32 wire.");
        md.AppendLine(inv, $"{options.Streams} client streams for {elapsed.TotalMinutes:F1} min, each sending greedy requests ({options.Tokens} new tokens, one of {options.Prompts} prompts) back to back; every {options.KillEverySeconds:F0} s an expert node (a, then b, ...) gets SIGKILL and is started again with its original command {options.DownForSeconds:F0} s later. Every answer is compared with the single-process engine's tokens.");
        md.AppendLine();
        md.AppendLine("| requests started | right tokens | wrong tokens | failed | latency p50 s | p99 s | max s | kills |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        md.AppendLine(inv, $"| {tally.Started} | {tally.Right} | {tally.Wrong} | {tally.Failed} | {tally.Percentile(0.5):F2} | {tally.Percentile(0.99):F2} | {tally.Percentile(1):F2} | {events.Count(e => e.What.StartsWith("kill", StringComparison.Ordinal))} |");
        if (tally.Failures.Count > 0)
        {
            md.AppendLine();
            foreach (var (failure, count) in tally.Failures) md.AppendLine(inv, $"- {count} × `{failure}`");
        }
        md.AppendLine();
        md.AppendLine("Resident memory (VmRSS) per node process; a restarted node is a new process (its figures start again). \"First minute\" and \"last minute\" are the medians of the samples in them: a leak shows as growth from one to the other on the node that is never restarted (the coordinator). \"coord managed heap\" is the coordinator's .NET heap after its last garbage collection (all generations, from its /metrics): growth there is objects kept alive; growth only in VmRSS is native memory.");
        md.AppendLine();
        md.AppendLine("| node | samples | first minute MiB | last minute MiB | max MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var node in memory.Samples.GroupBy(s => s.Node).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var samples = node.ToList();
            double end = samples.Max(s => s.Seconds);
            md.AppendLine(inv, $"| {node.Key} | {samples.Count} | {Median(samples.Where(s => s.Seconds < 60))} | {Median(samples.Where(s => s.Seconds > end - 60))} | {samples.Max(s => s.ResidentMiB):F0} |");
        }
        md.AppendLine();
        md.AppendLine("Events: " + string.Join("; ", events.Select(e => string.Create(inv, $"{e.Seconds:F0} s {e.What}"))));
        md.AppendLine();
        md.AppendLine("![resident memory per node](failover-soak-memory.png)");
        md.AppendLine();
        md.AppendLine(inv, $"Reproduce: `dotnet run -c Release --project benchmarks/Mixtral.SoakBench -- --model {options.Model} --streams {options.Streams} --minutes {options.Minutes} --tokens {options.Tokens} --kill-every {options.KillEverySeconds} --down-for {options.DownForSeconds} --threads {options.Threads}`");
        string path = Path.Combine(options.Out, "failover-soak.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static string Median(IEnumerable<MemorySampler.Sample> samples)
    {
        var sorted = samples.Select(s => s.ResidentMiB).Order().ToArray();
        return sorted.Length == 0 ? "-" : sorted[sorted.Length / 2].ToString("F0", CultureInfo.InvariantCulture);
    }

    private static void Plot(MemorySampler memory, IReadOnlyList<(double Seconds, string What)> events, string path)
    {
        using var plot = new ScottPlot.Plot();
        foreach (var node in memory.Samples.GroupBy(s => s.Node).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var scatter = plot.Add.ScatterPoints(node.Select(s => s.Seconds).ToArray(), node.Select(s => s.ResidentMiB).ToArray());
            scatter.LegendText = node.Key;
        }
        foreach (var (seconds, what) in events.Where(e => e.What.StartsWith("kill", StringComparison.Ordinal)))
            plot.Add.VerticalLine(seconds, 1, ScottPlot.Colors.Red);
        plot.ShowLegend();
        plot.XLabel("seconds");
        plot.YLabel("MiB (resident; coord managed heap)");
        plot.Title("Node memory during the failover soak (red: an expert node killed)");
        plot.SavePng(path, 900, 480);
    }

    private static string CpuName()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"; }
        catch (IOException) { return "unknown CPU"; }
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
