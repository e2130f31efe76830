using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Sizing;

/// <summary>
/// Bytes of weights, computed from the tensor-name table (never from hard-coded model facts): the one sizing rule,
/// used by `mixtral plan`, a node's start-up check and a node's own account of what it holds.
/// bf16/f16: 2 B per parameter; f32: 4 B. int8 and q4 are what `--weights int8|q4` loads (Mixtral.Model's
/// QuantizedMatrix): the expert matrices W1/W2/W3 take 1 B (int8) or 0.5 B (q4) per parameter plus their scales
/// (int8: a float32 per group of 32 weights along a row; q4: an int8 per group and a float32 per block of 8 groups;
/// rows padded to an even number of groups), and everything else (attention, routers,
/// norms, embeddings, LM head: 4% of Mixtral's weights) stays bf16.
/// </summary>
public sealed class ModelSizing
{
    /// <summary>Weights per quantization group, each with a float32 scale.</summary>
    public const int QuantGroup = 32;

    private readonly MixtralConfig _config;
    private readonly HashSet<string> _experts;

    /// <param name="dtype">What the weight matrices are kept in.</param>
    /// <param name="vectors">What the embedding table and the norms are kept in, when it differs (a node computing in f32
    /// over bf16 matrices keeps them in f32); null = the same as the matrices (16-bit under int8 and q4).</param>
    public ModelSizing(MixtralConfig config, Precision dtype, Precision? vectors = null)
    {
        _config = config;
        DType = dtype;
        Vectors = vectors;
        _experts = [.. Enumerable.Range(0, config.NumHiddenLayers).SelectMany(l => Enumerable.Range(0, config.NumLocalExperts)
            .SelectMany(e => TensorNames.ExpertTensors(config, l, e).Select(s => s.Name)))];
    }

    public Precision DType { get; }
    public Precision? Vectors { get; }

    /// <summary>One expert of one layer (its W1, W2, W3). Equal for every (layer, expert).</summary>
    public long BytesPerExpert => TensorNames.ExpertTensors(_config, 0, 0).Sum(TensorBytes);

    /// <summary>One expert of every layer: what a node holding "expert e" of the whole model needs.</summary>
    public long BytesPerExpertColumn => BytesPerExpert * _config.NumHiddenLayers;

    /// <summary>The coordinator's share: embeddings, attention, routers, norms, LM head.</summary>
    public long SharedBytes => TensorNames.SharedTensors(_config).Sum(TensorBytes);

    public long TotalBytes => SharedBytes + BytesPerExpert * _config.NumHiddenLayers * _config.NumLocalExperts;

    public long TensorBytes(TensorSpec spec)
    {
        long elements = spec.Elements;
        bool matrix = spec.Shape.Length == 2 && spec.Name != TensorNames.Embeddings;
        if (!matrix && Vectors is Precision vectors) return elements * (vectors == Precision.Float32 ? 4 : 2);
        return DType switch
        {
            Precision.BFloat16 or Precision.Float16 => elements * 2,
            Precision.Float32 => elements * 4,
            Precision.Int8 when _experts.Contains(spec.Name) => Int8Bytes(spec),
            Precision.Q4 when _experts.Contains(spec.Name) => Q4Bytes(spec),
            Precision.Int8 or Precision.Q4 => elements * 2,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), DType, "unknown weight dtype"),
        };
    }

    /// <summary>q4's blocks: groups per block, each block with a float32 scale.</summary>
    public const int Q4BlockGroups = 8;

    /// <summary>Groups per row of a [rows, columns] matrix, padded to an even number.</summary>
    private static long PaddedGroups(TensorSpec spec) => (spec.Shape[1] / QuantGroup + 1) / 2 * 2;

    /// <summary>int8: 32 code bytes and a float32 scale per group.</summary>
    private static long Int8Bytes(TensorSpec spec) => spec.Shape[0] * PaddedGroups(spec) * (QuantGroup + sizeof(float));

    /// <summary>q4: 16 code bytes per group; per block of 8 groups eight int8 sub-scales and a float32 scale.</summary>
    private static long Q4Bytes(TensorSpec spec)
    {
        long groups = PaddedGroups(spec), blocks = (groups + Q4BlockGroups - 1) / Q4BlockGroups;
        return spec.Shape[0] * (groups * QuantGroup / 2 + blocks * (Q4BlockGroups + sizeof(float)));
    }
}
