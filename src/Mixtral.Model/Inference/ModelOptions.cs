using Mixtral.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Inference;

/// <summary>Where and in what precision the model computes. Float32 on CPU: these CPUs have no fast bf16 arithmetic.</summary>
public sealed record ModelOptions
{
    public Device Device { get; init; } = CPU;
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>
    /// The dtype the weight matrices (attention projections, routers, experts, LM head) are kept in; null means
    /// <see cref="DType"/>. BFloat16 under a Float32 computation halves the bytes a CPU decode step reads: the CPU kernels
    /// widen each weight exactly as they load it, so with a bf16 checkpoint (as published) every result is bit for bit
    /// the one float32 weights give. Norms and embeddings stay in <see cref="DType"/>.
    /// </summary>
    public ScalarType? WeightDType { get; init; }

    /// <summary>How the expert matrices are kept: <see cref="ExpertWeightFormat.Dense"/> (in <see cref="MatrixDType"/>, the
    /// default) or quantized at load (int8, q4), on the CPU kernels.</summary>
    public ExpertWeightFormat ExpertFormat { get; init; } = ExpertWeightFormat.Dense;

    /// <summary>A folder where quantized experts are saved after quantizing and read back at the next load
    /// (<see cref="Quantization.QuantizedExpertCache"/>); null: quantize at every load.</summary>
    public string? QuantizedCacheDirectory { get; init; }

    /// <summary>The dtype weight matrices are loaded in.</summary>
    public ScalarType MatrixDType => WeightDType ?? DType;

    /// <summary>The LibTorch type of a floating-point <see cref="Precision"/> (names are parsed once, by <see cref="Precisions.Parse"/>).</summary>
    public static ScalarType ScalarTypeOf(Precision precision) => precision switch
    {
        Precision.Float32 => ScalarType.Float32,
        Precision.BFloat16 => ScalarType.BFloat16,
        Precision.Float16 => ScalarType.Float16,
        _ => throw new ArgumentException($"{precision.ShortName()} is not a floating-point type LibTorch computes in"),
    };

    public static Precision PrecisionOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => Precision.Float32,
        ScalarType.BFloat16 => Precision.BFloat16,
        ScalarType.Float16 => Precision.Float16,
        _ => throw new ArgumentException($"{type} is not a weight precision"),
    };

    /// <summary>Parses a compute or weight dtype name (f32, bf16, f16); <paramref name="what"/> names the flag or key.</summary>
    public static ScalarType ParseFloat(string name, string what) =>
        ScalarTypeOf(Precisions.Parse(name, what, Precision.Float32, Precision.BFloat16, Precision.Float16));

    public static Device ParseDevice(string name)
    {
        string lower = name.ToLowerInvariant();
        if (lower == "cpu") return CPU;
        if (lower.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"device \"{name}\" requested but CUDA is not available in this build (build with -p:TorchBackend=cuda on a GPU node)");
            return new Device(lower);
        }
        throw new ArgumentException($"unknown device \"{name}\" (expected cpu or cuda[:N])");
    }
}
