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

    /// <summary>The dtype weight matrices are loaded in.</summary>
    public ScalarType MatrixDType => WeightDType ?? DType;

    public static ScalarType ParseDType(string name) => name.ToLowerInvariant() switch
    {
        "f32" or "float32" or "fp32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "f16" or "float16" or "fp16" or "half" => ScalarType.Float16,
        _ => throw new ArgumentException($"unknown dtype \"{name}\" (expected f32, bf16 or f16)"),
    };

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
