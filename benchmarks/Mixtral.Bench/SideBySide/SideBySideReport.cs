using System.Globalization;
using System.Text;

namespace Mixtral.Bench.SideBySide;

/// <summary>The side-by-side run as markdown: best of each side per figure and their ratio, then every round.</summary>
public static class SideBySideReport
{
    private static readonly (string Title, Func<RoundFigures, double> Figure)[] Figures =
    [
        ("decode, one sequence (tokens/s)", f => f.Decode1),
        ("decode, {0} sequences together (aggregate tokens/s)", f => f.DecodeN),
        ("prefill, one {1}-token prompt (prompt tokens/s)", f => f.Prefill),
    ];

    public static string Markdown(SideBySideResults r)
    {
        var o = r.Options;
        var m = r.Machine;
        var s = new StringBuilder();
        s.AppendLine(F($"# Side by side with llama.cpp: the same `{Path.GetFileName(Path.GetFullPath(o.Model))}` model, the same machine, one run"));
        s.AppendLine();
        s.AppendLine(F($"Measured {r.Finished:yyyy-MM-dd HH:mm} UTC (finished) on **{m.Cpu}**, {m.LogicalCores} logical cores, {m.MemoryGiB:F1} GiB, {m.Os}; ours: {m.Runtime}, {MachineInfo.Environment}kernels {m.VectorIsa}. Load average before / after: {r.LoadBefore} / {r.LoadAfter}."));
        s.AppendLine();
        string commit = r.Ggufs.Values.First().Commit;
        s.AppendLine(F($"llama.cpp: commit `{commit}` (the source node-llama-cpp 3.22.1 ships as a git bundle on npm), built here {o.LlamaBuild}; its own tools: `llama-bench` (one sequence: tg{o.Tokens} from an empty context, pp{o.PrefillTokens}) and `llama-batched-bench` (`-npl {o.Batch} -npp 8 -ntg {o.Tokens}`: S_TG, the generated tokens over the generation time)."));
        s.AppendLine(F($"Ours: the continuous-batching engine in this process, greedy, the same figures (one sequence and {o.Batch} together: {o.Tokens} new tokens after an 8-token prompt, tokens after each sequence's first over the time from the last first token; prefill: prompt tokens over the time to the first token). {o.Threads} threads on both sides."));
        s.AppendLine();
        s.AppendLine(F($"Alternated: {o.Rounds} rounds; in each, format by format, one side takes its three figures and then the other (the order flips every round), with a read-bandwidth sample before each format (this VM's bandwidth moves between ~35 and ~60 GB/s from one minute to the next; samples here: {r.WorstBandwidth:F1}–{r.BestBandwidth:F1} GB/s). The best round of each side counts."));
        s.AppendLine();
        if (o.Note.Length > 0)
        {
            s.AppendLine(o.Note);
            s.AppendLine();
        }
        s.AppendLine("Model files (llama.cpp): " + string.Join("; ", r.Pairings.Select(p => F($"{p.LlamaFormat} {r.Ggufs[p.LlamaFormat].ModelBytes / 1048576.0:F0} MiB"))) +
            ". Our int8 and q4 quantize the experts only (attention, routers and LM head stay bf16); llama.cpp's Q8_0 and Q4_K_M quantize every matrix, so they read fewer bytes per token than ours.");
        s.AppendLine();
        foreach (var (title, figure) in Figures)
        {
            s.AppendLine(F($"## {string.Format(CultureInfo.InvariantCulture, title, o.Batch, o.PrefillTokens)}"));
            s.AppendLine();
            s.AppendLine("| ours | llama.cpp | ours, best | llama.cpp, best | ours / llama.cpp | " + string.Join(" | ", Enumerable.Range(1, o.Rounds).Select(i => F($"round {i}: ours / llama.cpp"))) + " |");
            s.AppendLine("|---|---|---:|---:|---:|" + string.Concat(Enumerable.Repeat("---:|", o.Rounds)));
            foreach (var p in r.Pairings)
            {
                var ours = r.Ours(p);
                var llama = r.Llama(p);
                double a = SideBySideResults.Best(ours, figure), b = SideBySideResults.Best(llama, figure);
                var rounds = Enumerable.Range(1, o.Rounds).Select(i => F($"{figure(ours.Single(f => f.Round == i)):F1} / {figure(llama.Single(f => f.Round == i)):F1}"));
                s.AppendLine(F($"| {p.Ours.Key} | {p.LlamaFormat} | {a:F1} | {b:F1} | **{a / b:F2}×** | {string.Join(" | ", rounds)} |"));
            }
            s.AppendLine();
        }
        s.AppendLine(F($"Our batch-1 decode against its own floor (the bytes one of our steps reads, at the best bandwidth sampled in this run, {r.BestBandwidth:F1} GB/s): ")
            + string.Join("; ", r.Pairings.Select(p => F($"{p.Ours.Key} {SideBySideResults.Best(r.Ours(p), f => f.Decode1) / r.OurFloor(p):P0} of {r.OurFloor(p):F1} tokens/s"))) + ".");
        s.AppendLine();
        s.AppendLine(F($"![ours and llama.cpp]({o.Name}.png)"));
        s.AppendLine();
        s.AppendLine("Reproduce: `benchmarks/llama-cpp-side-by-side.sh` (installs node-llama-cpp from npm for its llama.cpp source, builds llama.cpp, synthesises the model, exports and quantizes it, then runs this command).");
        return s.ToString();
    }

    /// <summary>One line per format and figure for the console.</summary>
    public static string Summary(SideBySideResults r)
    {
        var s = new StringBuilder();
        foreach (var (title, figure) in Figures)
            foreach (var p in r.Pairings)
            {
                double a = SideBySideResults.Best(r.Ours(p), figure), b = SideBySideResults.Best(r.Llama(p), figure);
                s.AppendLine(F($"{string.Format(CultureInfo.InvariantCulture, title, r.Options.Batch, r.Options.PrefillTokens)}: ours {p.Ours.Key} {a:F1}, llama.cpp {p.LlamaFormat} {b:F1} ({a / b:F2}×)"));
            }
        return s.ToString();
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
