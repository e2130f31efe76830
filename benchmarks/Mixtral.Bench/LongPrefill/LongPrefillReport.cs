using System.Globalization;
using System.Text;
using Mixtral.Model.Config;
using ScottPlot;

namespace Mixtral.Bench.LongPrefill;

/// <summary>Everything one `long-prefill` run measured, with the machine it ran on.</summary>
public sealed record LongPrefillResults(MachineInfo Machine, DateTimeOffset When, string LoadBefore, string LoadAfter, LongPrefillOptions Options,
    string ModelPath, MixtralConfig Config, IReadOnlyList<LongPrefillRun> Runs);

/// <summary>Writes long-prefill.md (the tables) and long-prefill.png (each stream token's gap over time, per setting).</summary>
public static class LongPrefillReport
{
    public static void Write(LongPrefillResults r, string folder)
    {
        string md = Path.Combine(folder, "long-prefill.md"), png = Path.Combine(folder, "long-prefill.png");
        File.WriteAllText(md, Markdown(r));
        Chart(r, png);
        Console.Error.WriteLine($"[long-prefill] wrote {md} and {png}");
    }

    private static string Markdown(LongPrefillResults r)
    {
        var c = r.Config;
        var o = r.Options;
        var md = new StringBuilder();
        md.AppendLine(Inv($"# Long prompts beside running streams: chunked prefill"));
        md.AppendLine();
        md.AppendLine(Inv($"{o.Streams} greedy streams ({LongPrefillOptions.StreamPromptTokens}-token prompts) decode on the `mid` model; when each has {LongPrefillOptions.TokensBeforeArrival} tokens a {o.PromptTokens}-token prompt arrives. "));
        md.AppendLine(Inv($"The table gives the streams' inter-token latency over the gaps that overlap the long prompt's prefill (from its arrival to its first token), with the prompt fed in one step (chunking off) and in chunks of `--max-prefill-tokens` tokens. All settings ran in one process, one after the other, on one loaded model, after a warm-up run."));
        md.AppendLine();
        md.AppendLine("| Round | Prefill | stream gaps | p50 ms | p90 ms | p99 ms | max ms | steady decode gap ms (just before: median of the streams' mean gaps) | worst stall ÷ steady gap | long prompt: first token after | steps until it finished |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var run in r.Runs)
        {
            var d = run.DuringPrefill;
            md.AppendLine(Inv($"| {run.Round} | {run.Label} | {d.Samples} | {d.P50Ms:F0} | {d.P90Ms:F0} | {d.P99Ms:F0} | {d.MaxMs:F0} | {run.BeforeArrival.P50Ms:F0} | {run.StallInSteadySteps:F1} | {run.LongTimeToFirstToken.TotalSeconds:F2} s | {run.StepsUntilLongDone} |"));
        }
        md.AppendLine();
        md.AppendLine("Per setting, the median over the rounds (each ratio is against chunking off, measured in the same rounds):");
        md.AppendLine();
        var off = r.Runs.Where(x => x.Chunk == 0).ToList();
        foreach (var group in r.Runs.GroupBy(x => x.Chunk))
        {
            var runs = group.ToList();
            string vsOff = off.Count == 0 || group.Key == 0 ? "" : Inv($"; worst stall {Median(off, x => x.DuringPrefill.MaxMs) / Median(runs, x => x.DuringPrefill.MaxMs):F1}× shorter than off, first token of the long prompt {Median(runs, x => x.LongTimeToFirstToken.TotalSeconds) / Median(off, x => x.LongTimeToFirstToken.TotalSeconds):F2}× as late");
            md.AppendLine(Inv($"- **{runs[0].Label}**: p99 gap {Median(runs, x => x.DuringPrefill.P99Ms):F0} ms, worst stall {Median(runs, x => x.DuringPrefill.MaxMs):F0} ms = {Median(runs, x => x.StallInSteadySteps):F1} steady decode gaps, long prompt's first token after {Median(runs, x => x.LongTimeToFirstToken.TotalSeconds):F2} s{vsOff}"));
        }
        md.AppendLine();
        md.AppendLine("## Machine and run");
        md.AppendLine();
        md.AppendLine(Inv($"- CPU: {r.Machine.Cpu}, {r.Machine.LogicalCores} logical cores, {r.Machine.VectorIsa}; {r.Machine.MemoryGiB:F0} GiB; {r.Machine.Os}; {r.Machine.Runtime}; TorchSharp {r.Machine.TorchSharp}"));
        md.AppendLine(Inv($"- {o.Threads} threads; load average before {r.LoadBefore}, after {r.LoadAfter} (the machine is shared: other builds ran beside it)"));
        md.AppendLine(Inv($"- Model: {r.ModelPath} (`mid`: hidden {c.HiddenSize}, intermediate {c.IntermediateSize}, {c.NumHiddenLayers} layers, {c.NumLocalExperts} experts, top-{c.NumExpertsPerTok}, context {c.MaxPositionEmbeddings}), float32 weights"));
        md.AppendLine(Inv($"- Measured {r.When:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project benchmarks/Mixtral.Bench -- long-prefill --model {r.ModelPath} --streams {o.Streams} --prompt-tokens {o.PromptTokens} --chunks {string.Join(',', o.Chunks)}`"));
        md.AppendLine();
        md.AppendLine("![stream token gaps over time](long-prefill.png)");
        return md.ToString();
    }

    private static void Chart(LongPrefillResults r, string path)
    {
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < r.Runs.Count; i++)
        {
            var run = r.Runs[i];
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var times in run.StreamTokenTimes)
                for (int t = 1; t < times.Length; t++)
                {
                    xs.Add((times[t] - run.Arrived).TotalSeconds);
                    ys.Add((times[t] - times[t - 1]).TotalMilliseconds);
                }
            var points = plot.Add.ScatterPoints(xs.ToArray(), ys.ToArray(), palette.GetColor(i));
            points.LegendText = $"{run.Label}, round {run.Round}";
        }
        plot.Title("Stream inter-token gaps around a long prompt's arrival (t = 0)");
        plot.XLabel("seconds since the long prompt arrived (when the token came)");
        plot.YLabel("gap to the previous token, ms");
        plot.ShowLegend();
        plot.SavePng(path, 1200, 600);
    }

    private static double Median(IReadOnlyList<LongPrefillRun> runs, Func<LongPrefillRun, double> value)
    {
        var sorted = runs.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
