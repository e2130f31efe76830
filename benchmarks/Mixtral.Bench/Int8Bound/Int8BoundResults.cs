using System.Globalization;
using System.Text.RegularExpressions;

namespace Mixtral.Bench.Int8Bound;

/// <summary>One variant against float32 (and, for the 8-bit fake quantization, against our int8 kernels: the same grid).</summary>
/// <param name="Bits">Bits per weight of the values (the grid's codes; 16 for bf16/f16), without the scales.</param>
/// <param name="WeightError">Relative RMS error of all expert weights together (null where not measured here).</param>
public sealed record VariantResult(string Name, int Bits, double? WeightError, Comparison VsFloat32, Comparison? VsInt8);

/// <summary>Experts with Gaussian noise added, of RMS <paramref name="Level"/> times each matrix's RMS (draw <paramref name="Seed"/>).</summary>
public sealed record NoiseResult(double Level, int Seed, double WeightError, Comparison VsFloat32);

public sealed record ModelResults(string Label, List<VariantResult> Rows, List<NoiseResult> Noise);

/// <summary>One line of benchmarks/llama-cpp-int8-bound.sh's results: a label, then logits-error.c's first line
/// ("relative_rms X top1_equal A/B ...").</summary>
public sealed partial record LlamaCppResult(string Label, double LogitsError, int SameTop1, int Positions)
{
    public static List<LlamaCppResult> Read(string path) => [.. File.ReadLines(path).Where(l => l.Contains('\t')).Select(line =>
    {
        var parts = line.Split('\t', 2);
        var m = Line().Match(parts[1]);
        if (!m.Success) throw new ArgumentException($"{path}: cannot read \"{line}\"");
        return new LlamaCppResult(parts[0], double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
    })];

    [GeneratedRegex(@"relative_rms (\S+) top1_equal (\d+)/(\d+)")]
    private static partial Regex Line();
}
