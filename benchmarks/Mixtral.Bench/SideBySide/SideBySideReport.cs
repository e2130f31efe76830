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
        s.AppendLine(F($"Alternated: {o.Rounds} rounds; in each, format by format, one side takes its three figures and then the other (the order flips every round), with a read-bandwidth sample just before and just after each side's figures (this VM's bandwidth moves between ~35 and ~60 GB/s from one minute to the next; samples here: {r.WorstBandwidth:F1}–{r.BestBandwidth:F1} GB/s). The best round of each side counts."));
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
        s.AppendLine("Our batch-1 decode against its own floor (the bytes one of our steps reads, at the bandwidth sampled just before our figures), round by round: "
            + string.Join("; ", r.Pairings.Select(p => p.Ours.Key + " " + string.Join(", ", r.Ours(p).Select(f => F($"{f.Decode1 / r.OurFloor(p, f.BandwidthGBps):P0}") + (f.BandwidthMoved ? " ⚠" : ""))))) + ".");
        s.AppendLine();
        AppendBatchFloor(s, r);
        s.AppendLine(F($"![ours and llama.cpp]({o.Name}.png)"));
        s.AppendLine();
        s.AppendLine(F($"Reproduce: `BATCH={o.Batch} FORMATS={string.Join(",", o.Formats)} ROUNDS={o.Rounds} NAME={o.Name} benchmarks/llama-cpp-side-by-side.sh` (installs node-llama-cpp from npm for its llama.cpp source, builds llama.cpp, synthesises the model, exports and quantizes it, then runs this command)."));
        return s.ToString();
    }

    /// <summary>
    /// Both sides' N-sequence decode against the floor of an N-sequence step, round by round, each side against the
    /// bandwidth sampled just before its own figures (the VM's mode can change between rounds and even between the two
    /// sides of one round, so nothing is pooled; ⚠ marks figures whose after-sample differs by more than a quarter).
    /// Only for the pairs that read the same bytes; the floor assumes routing spread evenly (random prompts on random
    /// weights route close to that).
    /// </summary>
    private static void AppendBatchFloor(StringBuilder s, SideBySideResults r)
    {
        var same = r.Pairings.Where(p => p.SameBytes).ToList();
        if (same.Count == 0) return;
        var o = r.Options;
        var floor = new BatchFloor(same[0].Ours.Bytes(r.Config), r.Config);
        s.AppendLine(F($"## {o.Batch} sequences against the floor of a {o.Batch}-sequence step"));
        s.AppendLine();
        s.AppendLine(F($"A step of {o.Batch} sequences reads the shared weights once and, per layer, every expert one of its tokens chose: {floor.ExpectedExpertsPerLayer(o.Batch):F2} of {r.Config.NumLocalExperts} with routing spread evenly. Floor tokens/s = {o.Batch} / (those bytes / the read bandwidth sampled just before that side's figures); both sides read the same bytes in these formats. ⚠: the sample taken just after differs by more than a quarter (the VM changed its memory mode meanwhile), so that row's fraction is not known."));
        s.AppendLine();
        s.AppendLine("| round | format (ours / llama.cpp) | ours: bandwidth GB/s (before / after) | ours tokens/s | ours, fraction of floor | llama.cpp: bandwidth GB/s (before / after) | llama.cpp tokens/s | llama.cpp, fraction of floor |");
        s.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in same)
            foreach (var (ours, llama) in r.Ours(p).Zip(r.Llama(p)))
                s.AppendLine(F($"| {ours.Round} | {p.Ours.Key} / {p.LlamaFormat} | {ours.BandwidthText} | {ours.DecodeN:F1} | **{Fraction(r, p, ours)}** | {llama.BandwidthText} | {llama.DecodeN:F1} | **{Fraction(r, p, llama)}** |"));
        s.AppendLine();
    }

    private static string Fraction(SideBySideResults r, Pairing p, RoundFigures f) =>
        F($"{f.DecodeN / r.BatchFloor(p, f.BandwidthGBps):P0}") + (f.BandwidthMoved ? " ⚠" : "");

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
        foreach (var p in r.Pairings.Where(p => p.SameBytes))
            foreach (var (ours, llama) in r.Ours(p).Zip(r.Llama(p)))
                s.AppendLine(F($"{r.Options.Batch} sequences against their floor, round {ours.Round}, {p.Ours.Key}: ours {Fraction(r, p, ours)} ({ours.BandwidthText} GB/s), llama.cpp {Fraction(r, p, llama)} ({llama.BandwidthText} GB/s)"));
        return s.ToString();
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
