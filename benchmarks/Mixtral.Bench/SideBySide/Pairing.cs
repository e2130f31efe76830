namespace Mixtral.Bench.SideBySide;

/// <summary>One of our weight formats and the llama.cpp format it is set against (the pairs issue 10 names).</summary>
public sealed record Pairing(WeightVariant Ours, string LlamaFormat, string GgufFile)
{
    /// <summary>The pairs whose our-side key is in <paramref name="formats"/> (all four when null), in the order below.</summary>
    public static IReadOnlyList<Pairing> All(string ggufDir, IReadOnlyCollection<string>? formats = null) =>
    [.. Every(ggufDir).Where(p => formats is null || formats.Contains(p.Ours.Key))];

    /// <summary>Our keys, for the --formats flag's check and help.</summary>
    public static IReadOnlyList<string> Keys { get; } = [.. Every("").Select(p => p.Ours.Key)];

    /// <summary>True when both sides keep every weight in the same bytes (f32–F32, bf16–F16), so one floor serves both;
    /// llama.cpp's Q8_0 and Q4_K_M quantize every matrix, our int8 and q4 only the experts.</summary>
    public bool SameBytes => !Ours.Quantized;

    private static IEnumerable<Pairing> Every(string ggufDir) =>
    [
        new(WeightVariant.Named("f32"), "F32", Path.Combine(ggufDir, "f32.gguf")),
        new(WeightVariant.Named("bf16"), "F16", Path.Combine(ggufDir, "f16.gguf")),
        new(WeightVariant.Named("int8"), "Q8_0", Path.Combine(ggufDir, "q8_0.gguf")),
        new(WeightVariant.Named("q4"), "Q4_K_M", Path.Combine(ggufDir, "q4_k_m.gguf")),
    ];
}

/// <summary>What one side measured for one format in one round (tokens/s), with the read bandwidth sampled just before
/// and just after its figures.</summary>
public sealed record RoundFigures(int Round, string Side, string Format, double Decode1, double DecodeN, double Prefill, double BandwidthGBps)
{
    public double BandwidthAfterGBps { get; init; } = BandwidthGBps;

    /// <summary>The two samples differ by more than a quarter: the VM changed its memory mode during these figures, so
    /// their fraction of a floor is not known.</summary>
    public bool BandwidthMoved => Math.Abs(BandwidthAfterGBps - BandwidthGBps) > 0.25 * Math.Min(BandwidthGBps, BandwidthAfterGBps);

    public string BandwidthText => FormattableString.Invariant($"{BandwidthGBps:F1} / {BandwidthAfterGBps:F1}{(BandwidthMoved ? " ⚠" : "")}");
}
