using Mixtral.Model.Config;

namespace Mixtral.Model.Inference;

/// <summary>
/// How a node keeps its expert matrices (W1, W2, W3), apart from the dtype of every other weight: experts are 96% of
/// Mixtral's weights, so quantizing only them is what lets a modest machine hold its share, while attention, routers,
/// norms, embeddings and the LM head stay in bf16/f32. See <see cref="Quantization.QuantizedMatrix"/> for the layouts.
/// </summary>
public enum ExpertWeightFormat
{
    /// <summary>As every other weight matrix: <see cref="ModelOptions.MatrixDType"/>.</summary>
    Dense,

    /// <summary>8-bit symmetric codes, one float32 scale per group of 32 weights along a row (9 bits per weight).</summary>
    Int8,

    /// <summary>4-bit codes per group of 32, each group's scale an 8-bit multiple of one float32 scale per 256 weights
    /// (Q4_0's rounding under Q4_K's two-level scales; 4.375 bits per weight).</summary>
    Q4,
}

/// <summary>The names the command line and reports use for <see cref="ExpertWeightFormat"/>.</summary>
public static class ExpertWeightFormats
{
    /// <summary>
    /// A --weights value (null: not given), named by the one set of dtype names (<see cref="Precisions"/>): a dtype for
    /// every weight matrix (f32, bf16, f16), or a quantized expert format (int8, q4) with the other matrices in bf16
    /// (attention, routers and the LM head are 4% of Mixtral's weights and stay exact to the checkpoint).
    /// </summary>
    public static (TorchSharp.torch.ScalarType? Matrices, ExpertWeightFormat Experts) ParseWeights(string? name, string what = "--weights")
    {
        if (name is null) return (null, ExpertWeightFormat.Dense);
        return Precisions.Parse(name, what) switch
        {
            Precision.Int8 => (TorchSharp.torch.ScalarType.BFloat16, ExpertWeightFormat.Int8),
            Precision.Q4 => (TorchSharp.torch.ScalarType.BFloat16, ExpertWeightFormat.Q4),
            var dense => (ModelOptions.ScalarTypeOf(dense), ExpertWeightFormat.Dense),
        };
    }

    /// <summary>The precision a node's expert matrices are sized in (plan and start-up check use the same rule).</summary>
    public static Precision SizingPrecision(ModelOptions options) => options.ExpertFormat switch
    {
        ExpertWeightFormat.Int8 => Precision.Int8,
        ExpertWeightFormat.Q4 => Precision.Q4,
        _ => ModelOptions.PrecisionOf(options.MatrixDType),
    };

    /// <summary>Quantized experts run on the CPU kernels only: a clear error for any other device, before anything loads.</summary>
    public static void CheckDevice(ModelOptions options)
    {
        if (options.ExpertFormat != ExpertWeightFormat.Dense && options.Device.type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"--weights {options.ExpertFormat.ShortName()} quantizes the experts for the CPU kernels; it cannot run on device {options.Device}");
    }

    public static string ShortName(this ExpertWeightFormat format) => format switch
    {
        ExpertWeightFormat.Dense => "dense",
        ExpertWeightFormat.Int8 => "int8",
        ExpertWeightFormat.Q4 => "q4",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>Bytes one weight takes on average, its group's scale included (dense formats: not defined here).</summary>
    public static double BytesPerWeight(this ExpertWeightFormat format) => format switch
    {
        ExpertWeightFormat.Int8 => 1 + 4.0 / Quantization.QuantizedMatrix.GroupSize,
        ExpertWeightFormat.Q4 => 0.5 + 1.0 / Quantization.QuantizedMatrix.GroupSize + 4.0 / Quantization.Q4Blocks.Weights,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "only quantized formats have a fixed size per weight here"),
    };
}
