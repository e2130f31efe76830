using System.Globalization;
using System.Text;

namespace Mixtral.Bench.Int8Bound;

/// <summary>The int8-bound report: per model the variants' errors, how many bits ≤ 1% takes, the rate–distortion bound
/// for 8 bits per weight and what it implies for the logits if the error scales linearly, and llama.cpp on the same
/// sequences.</summary>
public sealed record Int8BoundReport(MachineInfo Machine, DateTime Start, DateTime End, int Threads, string ReferenceJson, int[][] Sequences,
    List<ModelResults> Models, List<LlamaCppResult> LlamaCpp, string CommandLine = "", string? Note = null)
{
    private const double Target = 0.01;

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine("# Is ≤ 1% logits error reachable with 8-bit expert weights? (issue 10)").AppendLine();
        md.AppendLine(inv, $"Measured {Start:yyyy-MM-dd HH:mm}–{End:HH:mm} UTC on {Machine.Cpu} ({Machine.LogicalCores} logical cores, shared with other work; {Threads} threads), {Machine.MemoryGiB:F0} GiB, {Machine.Os}, {Machine.Runtime}, TorchSharp {Machine.TorchSharp}.");
        md.AppendLine().AppendLine("Command:").AppendLine().AppendLine("```");
        md.AppendLine(CommandLine);
        md.AppendLine("```").AppendLine();
        if (Note is not null) md.AppendLine(Note).AppendLine();
        md.AppendLine(inv, $"Sequences: each prompt of the fixture's Hugging Face reference (`{Path.GetFileName(ReferenceJson)}`) followed by the 24 greedy tokens Hugging Face chose ({string.Join(", ", Sequences.Select(s => s.Length))} tokens, {Sequences.Sum(s => s.Length)} positions), one prefill each, logits at every position; the same sequences `int8-fidelity.md` measured and `benchmarks/llama-cpp/logits-error.c` reads.");
        md.AppendLine("Every variant computes in float32 with float32 attention, routers, norms, embeddings and LM head; only the experts' weights differ. " +
            "*Logits error* is sqrt(Σ(l − l_f32)² / Σl_f32²) over all positions; *no route changed* is the same over the positions where every layer's top-2 set equals float32's; " +
            "*weights* is the relative RMS error of all expert weights together. The b-bit rows fake-quantize the experts (`FakeQuantizer`): per group of 32 weights along a row, d = max|w| / (2^(b−1) − 1), w' = d·round(w/d), back in float32.");
        md.AppendLine();
        foreach (var model in Models) AppendModel(md, model, inv);
        AppendBound(md, inv);
        if (LlamaCpp.Count > 0) AppendLlamaCpp(md, inv);
        return md.ToString();
    }

    private static void AppendModel(StringBuilder md, ModelResults model, CultureInfo inv)
    {
        md.AppendLine(inv, $"## {model.Label}").AppendLine();
        md.AppendLine("| experts | bits/weight (codes) | weights' relative RMS error | logits relative RMS error | no route changed: logits error (positions) | top-2 sets equal (changed (layer, position) pairs) | top-1 token equal | logits error ÷ weights' error |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in model.Rows)
        {
            var c = r.VsFloat32;
            string ratio = r.WeightError is double w && w > 0 && r.Name.Contains("-bit grid", StringComparison.Ordinal) ? (c.LogitsError / w).ToString("F2", inv) : "";
            md.AppendLine(inv, $"| {r.Name} | {r.Bits} | {(r.WeightError is double e ? P(e, 4) : "")} | {P(c.LogitsError, 3)} | {P(c.StableLogitsError, 3)} ({c.StablePositions} of {c.Positions}) | {P(c.SameRoutes, 2)} ({c.ChangedRoutes}) | {P(c.SameTop1, 2)} | {ratio} |");
        }
        md.AppendLine();
        if (model.Rows.FirstOrDefault(r => r.Name.Contains("to bf16", StringComparison.Ordinal)) is { WeightError: < 1e-6 })
            md.AppendLine("This checkpoint's weights are bfloat16 (loaded into float32), so rounding the experts to bf16, or to f16 (which holds these values), changes at most a few subnormal weights: the 16-bit rows are float32 itself.");
        var int8 = model.Rows.First(r => r.Name.StartsWith("int8", StringComparison.Ordinal));
        var fake8 = model.Rows.FirstOrDefault(r => r.VsInt8 is not null);
        if (fake8 is not null)
            md.AppendLine(inv, $"Same grid check: the 8-bit fake quantization against our int8 (its codes on the integer kernels): logits differ by {P(fake8.VsInt8!.LogitsError, 4)} of their RMS, top-2 sets equal {P(fake8.VsInt8.SameRoutes, 2)}; against float32 they measure {P(fake8.VsFloat32.LogitsError, 3)} and {P(int8.VsFloat32.LogitsError, 3)}.");
        var sweep = model.Rows.Where(r => r.Name.Contains("-bit grid", StringComparison.Ordinal)).OrderBy(r => r.Bits).ToList();
        var first = sweep.FirstOrDefault(r => r.VsFloat32.LogitsError <= Target);
        string reached = first is null
            ? $"not reached up to {sweep.LastOrDefault()?.Bits} bits"
            : $"first at {first.Bits} bits per weight ({P(first.VsFloat32.LogitsError, 3)}; {first.Bits + 1} bits stored with the float32 scale per 32)";
        md.AppendLine("≤ 1% on this grid: " + reached + ".");
        md.AppendLine();
        var all = model.Rows.Where(r => r.Name.Contains("-bit grid", StringComparison.Ordinal)).Select(r => r.VsFloat32)
            .Concat(model.Noise.Select(n => n.VsFloat32)).ToList();
        var often = all.SelectMany(c => c.ChangedAt ?? []).GroupBy(x => x).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(6).ToList();
        if (often.Count > 0)
            md.AppendLine(inv, $"Top-2 sets that change most often over the {all.Count} perturbed runs of this model (grid rows and noise draws; s sequence, L layer, p position): {string.Join(", ", often.Select(g => $"{g.Key} ({g.Count()}×)"))}.").AppendLine();
        if (model.Noise.Count == 0) return;
        md.AppendLine("Gaussian noise on every expert weight instead of rounding, of RMS 2^(−R) × each matrix's RMS: the error the rate–distortion bound allows an ideal R-bit quantizer (its error is Gaussian and independent of what it keeps), several independent draws:").AppendLine();
        md.AppendLine("| R | noise (weights' relative RMS error) | logits relative RMS error: mean (each draw) | no route changed: mean | top-2 sets equal: mean (changed pairs, each draw) | top-1 token equal: mean |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var level in model.Noise.GroupBy(n => n.Level).OrderByDescending(g => g.Key))
        {
            var draws = level.ToList();
            md.AppendLine(inv, $"| {-Math.Log2(level.Key):F0} | {P(draws.Average(d => d.WeightError), 3)} | {P(draws.Average(d => d.VsFloat32.LogitsError), 3)} ({string.Join(", ", draws.Select(d => P(d.VsFloat32.LogitsError, 2)))}) | {P(draws.Average(d => d.VsFloat32.StableLogitsError), 3)} | {P(draws.Average(d => d.VsFloat32.SameRoutes), 2)} ({string.Join(", ", draws.Select(d => d.VsFloat32.ChangedRoutes))}) | {P(draws.Average(d => d.VsFloat32.SameTop1), 2)} |");
        }
        md.AppendLine();
    }

    private void AppendBound(StringBuilder md, CultureInfo inv)
    {
        double bound8 = Math.Pow(2, -8);
        md.AppendLine("## The rate–distortion bound").AppendLine();
        md.Append(inv, $"For Gaussian weights (these models' are: N(0, σ²) per matrix), Shannon's distortion–rate function D(R) = σ²·2^(−2R) bounds every quantizer of R bits per weight, whatever its grid, scales, vectors or codebooks: relative RMS error ≥ 2^(−R), {P(bound8, 3)} at R = 8 (and {P(Math.Pow(2, -9), 3)} at 9, what int8 stores counting its float32 scale per 32). ");
        md.AppendLine("The bound is for the weights only; the logits error it implies assumes the logits error scales linearly with the weights' error, which the sweep checks (the ÷ column: constant when linear).");
        md.AppendLine();
        md.AppendLine("| model | our 8-bit grid: weights' error | logits ÷ weights (8 bits; no-route-change positions) | logits error at the 8-bit bound, if linear | weights' error ≤ 1% needs | bits/weight that takes: our grid (≈) / the bound |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var model in Models)
        {
            var r8 = model.Rows.FirstOrDefault(r => r.Bits == 8 && r.WeightError is not null);
            if (r8 is null) continue;
            double w8 = r8.WeightError!.Value, k = r8.VsFloat32.LogitsError / w8, kStable = r8.VsFloat32.StableLogitsError / w8;
            double needed = Target / k;
            double gridBits = 8 + Math.Log2(w8 / needed), boundBits = Math.Log2(1 / needed);
            md.AppendLine(inv, $"| {model.Label} | {P(w8, 3)} | {k:F2} ({kStable:F2}) | {P(k * bound8, 2)} ({P(kStable * bound8, 2)}) | {P(needed, 3)} | {gridBits:F1} / {boundBits:F1} |");
        }
        md.AppendLine();
        md.AppendLine("Where no top-2 set changed, the error is linear: the grid rows with no changed route give the slope of the continuous part alone (logits ÷ weights, their median), and what it implies if no route ever flipped:").AppendLine();
        md.AppendLine("| model | grid rows with no changed route | slope without flips | logits error at the 8-bit bound without flips | bits/weight for ≤ 1% without flips: the bound |");
        md.AppendLine("|---|---|---:|---:|---:|");
        foreach (var model in Models)
        {
            var clean = model.Rows.Where(r => r.Name.Contains("-bit grid", StringComparison.Ordinal) && r.VsFloat32.ChangedRoutes == 0 && r.WeightError > 0).ToList();
            if (clean.Count == 0) continue;
            var slopes = clean.Select(r => r.VsFloat32.LogitsError / r.WeightError!.Value).Order().ToList();
            double k0 = slopes[slopes.Count / 2];
            md.AppendLine(inv, $"| {model.Label} | {string.Join(", ", clean.Select(r => r.Bits))} bits ({string.Join(", ", clean.Select(r => (r.VsFloat32.LogitsError / r.WeightError!.Value).ToString("F2", inv)))}) | {k0:F2} | {P(k0 * bound8, 2)} | {Math.Log2(k0 / Target):F1} |");
        }
        md.AppendLine();
        if (!Models.Any(m => m.Noise.Count > 0)) return;
        md.AppendLine("Measured rather than extrapolated: the logits error when the experts carry exactly the bound's error as Gaussian noise (the noise tables above):").AppendLine();
        md.AppendLine("| model | at the 8-bit bound (2^−8): logits error mean (worst draw) | at 2^−9: mean (worst) | smallest R with mean ≤ 1% | smallest R with every draw ≤ 1% |");
        md.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var model in Models.Where(m => m.Noise.Count > 0))
        {
            var levels = model.Noise.GroupBy(n => -Math.Log2(n.Level)).OrderBy(g => g.Key).ToList();
            string At(int r) => levels.FirstOrDefault(g => Math.Abs(g.Key - r) < 1e-9) is { } g
                ? $"{P(g.Average(d => d.VsFloat32.LogitsError), 2)} ({P(g.Max(d => d.VsFloat32.LogitsError), 2)})" : "n/a";
            string Smallest(Func<IEnumerable<NoiseResult>, bool> ok) => levels.FirstOrDefault(g => ok(g)) is { } g ? $"{g.Key:F0} bits" : $"> {levels[^1].Key:F0} bits";
            md.AppendLine(inv, $"| {model.Label} | {At(8)} | {At(9)} | {Smallest(g => g.Average(d => d.VsFloat32.LogitsError) <= Target)} | {Smallest(g => g.All(d => d.VsFloat32.LogitsError <= Target))} |");
        }
        md.AppendLine();
    }

    private void AppendLlamaCpp(StringBuilder md, CultureInfo inv)
    {
        md.AppendLine("## llama.cpp on the same sequences (an independent oracle)").AppendLine();
        md.AppendLine("`benchmarks/llama-cpp-int8-bound.sh`: llama.cpp's own `llama-quantize` makes each GGUF from the float32 GGUF of the same model (`Mixtral.Bench export-gguf`), and `benchmarks/llama-cpp/logits-error.c` runs the sequences through both with logits at every position (llama.cpp's CPU backend, KV cache in f32; its quantized products also round the activations: Q8_0 weights multiply Q8_0 activations, F16 weights F16 ones).");
        md.AppendLine();
        md.AppendLine("| llama.cpp GGUF vs its float32 GGUF | logits relative RMS error | top-1 token equal |");
        md.AppendLine("|---|---:|---:|");
        foreach (var r in LlamaCpp)
            md.AppendLine(inv, $"| {r.Label} | {P(r.LogitsError, 3)} | {r.SameTop1} of {r.Positions} ({P((double)r.SameTop1 / r.Positions, 1)}) |");
        if (Models.Count > 0)
        {
            var ours = Models[^1]; // the GGUFs are the last --model's
            foreach (var r in ours.Rows.Where(r => r.Name.StartsWith("int8", StringComparison.Ordinal) || r.Name.Contains("to f16", StringComparison.Ordinal)))
                md.AppendLine(inv, $"| ours, {ours.Label.Split(' ')[0]}: {r.Name} | {P(r.VsFloat32.LogitsError, 3)} | {Math.Round(r.VsFloat32.SameTop1 * r.VsFloat32.Positions)} of {r.VsFloat32.Positions} ({P(r.VsFloat32.SameTop1, 1)}) |");
        }
        md.AppendLine();
    }

    private static string P(double value, int decimals) => double.IsNaN(value) ? "n/a" : (100 * value).ToString("F" + decimals, CultureInfo.InvariantCulture) + "%";
}
