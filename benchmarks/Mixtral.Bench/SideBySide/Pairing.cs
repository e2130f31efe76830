namespace Mixtral.Bench.SideBySide;

/// <summary>One of our weight formats and the llama.cpp format it is set against (the pairs issue 10 names).</summary>
public sealed record Pairing(WeightVariant Ours, string LlamaFormat, string GgufFile)
{
    public static IReadOnlyList<Pairing> All(string ggufDir) =>
    [
        new(WeightVariant.Named("f32"), "F32", Path.Combine(ggufDir, "f32.gguf")),
        new(WeightVariant.Named("bf16"), "F16", Path.Combine(ggufDir, "f16.gguf")),
        new(WeightVariant.Named("int8"), "Q8_0", Path.Combine(ggufDir, "q8_0.gguf")),
        new(WeightVariant.Named("q4"), "Q4_K_M", Path.Combine(ggufDir, "q4_k_m.gguf")),
    ];
}

/// <summary>What one side measured for one format in one round (tokens/s), with the read bandwidth sampled just before.</summary>
public sealed record RoundFigures(int Round, string Side, string Format, double Decode1, double DecodeN, double Prefill, double BandwidthGBps);
