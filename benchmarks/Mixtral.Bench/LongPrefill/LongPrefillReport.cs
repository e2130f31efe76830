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
        md.AppendLine("| Prefill | stream gaps | p50 ms | p90 ms | p99 ms | max ms | steady decode p50 ms (before) | long prompt: first token after | steps until it finished |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var run in r.Runs)
        {
            var d = run.DuringPrefill;
            md.AppendLine(Inv($"| {run.Label} | {d.Samples} | {d.P50Ms:F0} | {d.P90Ms:F0} | {d.P99Ms:F0} | {d.MaxMs:F0} | {run.BeforeArrival.P50Ms:F0} | {run.LongTimeToFirstToken.TotalSeconds:F2} s | {run.StepsUntilLongDone} |"));
        }
        var off = r.Runs.FirstOrDefault(x => x.Chunk == 0);
        if (off is not null)
        {
            md.AppendLine();
            foreach (var run in r.Runs.Where(x => x.Chunk != 0))
                md.AppendLine(Inv($"- **{run.Label}**: the worst stall a stream saw is {off.DuringPrefill.MaxMs / run.DuringPrefill.MaxMs:F1}× shorter than with chunking off ({run.DuringPrefill.MaxMs:F0} vs {off.DuringPrefill.MaxMs:F0} ms); the long prompt's first token comes {run.LongTimeToFirstToken.TotalSeconds / off.LongTimeToFirstToken.TotalSeconds:F2}× as late ({run.LongTimeToFirstToken.TotalSeconds:F2} vs {off.LongTimeToFirstToken.TotalSeconds:F2} s): its chunks share steps with the streams' tokens and each step re-reads the weights."));
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
            points.LegendText = run.Label;
        }
        plot.Title("Stream inter-token gaps around a long prompt's arrival (t = 0)");
        plot.XLabel("seconds since the long prompt arrived (when the token came)");
        plot.YLabel("gap to the previous token, ms");
        plot.ShowLegend();
        plot.SavePng(path, 1200, 600);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
