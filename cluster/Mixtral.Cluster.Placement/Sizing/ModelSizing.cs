using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Sizing;

/// <summary>
/// Bytes of weights, computed from the tensor-name table (never from hard-coded model facts).
/// bf16/f16: 2 B per parameter; f32: 4 B. int8 (weight-only, per output row): every linear weight matrix
/// (attention projections, expert W1/W2/W3, LM head) is 1 B per parameter plus one bf16 scale per output row
/// (2 B × rows of the [out, in] matrix); the embedding table, the routers and the norms stay bf16 — the
/// embedding is a lookup, not a matmul, and the router decides which experts run, so it keeps full precision.
/// </summary>
public sealed class ModelSizing
{
    public const int Int8ScaleBytesPerRow = 2;

    private readonly MixtralConfig _config;
    private readonly HashSet<string> _keptAt16Bit;

    /// <param name="dtype">What the weight matrices are kept in.</param>
    /// <param name="vectors">What the embedding table and the norms are kept in, when it differs (a node computing in f32
    /// over bf16 matrices keeps them in f32); null = the same as the matrices (16-bit under int8).</param>
    public ModelSizing(MixtralConfig config, Precision dtype, Precision? vectors = null)
    {
        _config = config;
        DType = dtype;
        Vectors = vectors;
        _keptAt16Bit = [TensorNames.Embeddings, .. Enumerable.Range(0, config.NumHiddenLayers).Select(TensorNames.Router)];
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
            Precision.Int8 when spec.Shape.Length == 2 && !_keptAt16Bit.Contains(spec.Name) =>
                elements + spec.Shape[0] * Int8ScaleBytesPerRow,
            Precision.Int8 => elements * 2,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), DType, "unknown weight dtype"),
        };
    }
}
