using Mixtral.Model.Config;

namespace Mixtral.Model.Synthesis;

/// <summary>Shapes of random-weight models for demos and benchmarks.</summary>
public static class SynthPreset
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "mid", "mixtral-8x7b-layer"];

    public static MixtralConfig Get(string name) => name switch
    {
        // The shape of the shared test fixture: loads in a blink, for the demo and fast tests.
        "tiny" => Shape(hidden: 128, intermediate: 256, layers: 4, heads: 8, kvHeads: 2, context: 4096),
        // The benchmark model: big enough that weights stream from memory, small enough for 2 cores.
        "mid" => Shape(hidden: 1024, intermediate: 3584, layers: 8, heads: 16, kvHeads: 4, context: 32768),
        // One layer of the real Mixtral-8x7B, full width: real per-expert matrix sizes (352 MB bf16 each).
        "mixtral-8x7b-layer" => Shape(hidden: 4096, intermediate: 14336, layers: 1, heads: 32, kvHeads: 8, context: 32768),
        _ => throw new ArgumentException($"unknown preset \"{name}\" (expected one of: {string.Join(", ", Names)})"),
    };

    private static MixtralConfig Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int context) => new()
    {
        VocabSize = 32000,
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = hidden / heads,
        NumLocalExperts = 8,
        NumExpertsPerTok = 2,
        RopeTheta = 1e6,
        RmsNormEps = 1e-5,
        MaxPositionEmbeddings = context,
    };
}
