using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using static TorchSharp.torch;

namespace Mixtral.Bench;

/// <summary>One way of keeping the weights that the benchmark measures: f32, bf16 (every matrix), int8 or q4 (experts
/// quantized, the other matrices bf16), as `--weights` names them on the CLI.</summary>
public sealed record WeightVariant(string Key, string Name, ModelOptions Options)
{
    public static IReadOnlyList<WeightVariant> All { get; } =
    [
        new("f32", "float32 weights", new ModelOptions()),
        new("bf16", "bfloat16-stored weights", new ModelOptions { WeightDType = ScalarType.BFloat16 }),
        new("int8", "int8 experts (rest bf16)", new ModelOptions { WeightDType = ScalarType.BFloat16, ExpertFormat = ExpertWeightFormat.Int8 }),
        new("q4", "q4 experts (rest bf16)", new ModelOptions { WeightDType = ScalarType.BFloat16, ExpertFormat = ExpertWeightFormat.Q4 }),
    ];

    public static WeightVariant Named(string key) => All.FirstOrDefault(v => v.Key == key)
        ?? throw new ArgumentException($"--weights: unknown format \"{key}\" (expected a comma list of {string.Join(", ", All.Select(v => v.Key))}, or all, or both)");

    public bool Quantized => Options.ExpertFormat != ExpertWeightFormat.Dense;

    /// <summary>The weight bytes one batch-1 step reads in this format.</summary>
    public DecodeBytes Bytes(MixtralConfig c) => DecodeBytes.For(c, Options.WeightDType == ScalarType.BFloat16 ? 2 : 4, 4,
        Quantized ? Options.ExpertFormat.BytesPerWeight() : null);
}
