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

    /// <summary>4-bit codes (Q4_0's rule: the group's largest magnitude maps to −8), one float32 scale per group of 32 (5 bits per weight).</summary>
    Q4,
}

/// <summary>The names the command line and reports use for <see cref="ExpertWeightFormat"/>.</summary>
public static class ExpertWeightFormats
{
    /// <summary>The quantized formats' names, as --weights takes them.</summary>
    public static IReadOnlyList<string> QuantizedNames { get; } = ["int8", "q4"];

    /// <summary>int8 or q4 → the format; null for any other name (a dtype, say).</summary>
    public static ExpertWeightFormat? TryParse(string name) => name.ToLowerInvariant() switch
    {
        "int8" or "q8" => ExpertWeightFormat.Int8,
        "q4" or "int4" => ExpertWeightFormat.Q4,
        _ => null,
    };

    /// <summary>
    /// A --weights value (null: not given): a dtype for every weight matrix (f32, bf16, f16), or a quantized expert format
    /// (int8, q4) with the other matrices in bf16 (attention, routers and the LM head are 4% of Mixtral's weights and stay
    /// exact to the checkpoint). One parser for the CLI and a node's configuration file alike.
    /// </summary>
    public static (TorchSharp.torch.ScalarType? Matrices, ExpertWeightFormat Experts) ParseWeights(string? name)
    {
        if (name is null) return (null, ExpertWeightFormat.Dense);
        if (TryParse(name) is { } format) return (TorchSharp.torch.ScalarType.BFloat16, format);
        try
        {
            return (ModelOptions.ParseDType(name), ExpertWeightFormat.Dense);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"--weights \"{name}\" is not one of f32, bf16, f16, int8, q4");
        }
    }

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
        ExpertWeightFormat.Q4 => 0.5 + 4.0 / Quantization.QuantizedMatrix.GroupSize,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "only quantized formats have a fixed size per weight here"),
    };
}
