using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Synthesis;

/// <summary>
/// Writes a random-weight Mixtral model folder in the exact Hugging Face layout (config.json,
/// generation_config.json, sharded safetensors + index, tokenizer files). Weights follow the fixture's recipe:
/// linear ~ N(0, (gain/√fan_in)²), embeddings ~ N(0, 1), norms ~ U(0.8, 1.2), with a strong router gain so
/// expert choices are clear-cut and every layer matters; generated text is gibberish, the shapes and costs are real.
/// </summary>
public static class SyntheticCheckpoint
{
    public static readonly string[] TokenizerFiles = ["tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <param name="maxShardBytes">Shard size; the default makes even small models sharded, like published ones.</param>
    /// <param name="skew">Skewed routing (see <see cref="RoutingSkew"/>); null or none = the plain recipe.</param>
    public static void Write(string outDir, MixtralConfig config, string tokenizerDir, ulong seed, ScalarType dtype,
        IProgress<LoadProgress>? progress = null, long? maxShardBytes = null, RoutingSkew? skew = null)
    {
        config.Validate();
        skew?.Validate();
        using var skewed = skew is { IsNone: false } ? new SkewedRouting(config, skew, seed) : null;
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float16))
            throw new ArgumentException($"synth writes bf16, f16 or f32 weights, not {dtype}");
        foreach (string file in TokenizerFiles)
            if (!File.Exists(Path.Combine(tokenizerDir, file)))
                throw new FileNotFoundException($"tokenizer file {file} not found in {tokenizerDir}");

        Directory.CreateDirectory(outDir);
        var specs = TensorNames.AllTensors(config).ToList();
        long totalBytes = specs.Sum(s => s.Elements) * ElementSize(dtype);
        long shard = maxShardBytes ?? Math.Max(1L << 20, totalBytes / 2 + 1);
        using var generator = new Generator(seed: seed);
        using (var writer = new ShardedCheckpointWriter(outDir, shard))
        {
            long written = 0;
            for (int i = 0; i < specs.Count; i++)
            {
                using var drawn = RandomWeight(specs[i], generator);
                using var weight = (skewed?.Shape(specs[i].Name, drawn) ?? drawn).to(dtype);
                writer.Add(specs[i].Name, weight);
                written += specs[i].Elements * ElementSize(dtype);
                progress?.Report(new LoadProgress(written, totalBytes, i + 1, specs.Count, specs[i].Name));
            }
            writer.Complete();
        }
        File.WriteAllText(Path.Combine(outDir, "config.json"), (config with { TorchDtype = DTypeName(dtype) }).ToJson());
        File.WriteAllText(Path.Combine(outDir, "generation_config.json"),
            $"{{\n  \"bos_token_id\": {config.BosTokenId},\n  \"eos_token_id\": {config.EosTokenIds[0]}\n}}\n");
        foreach (string file in TokenizerFiles)
            File.Copy(Path.Combine(tokenizerDir, file), Path.Combine(outDir, file), overwrite: true);
    }

    private static Tensor RandomWeight(TensorSpec spec, Generator generator)
    {
        if (spec.Shape.Length == 1) // RMSNorm weights
            return rand(spec.Shape, generator: generator).mul_(0.4).add_(0.8);
        if (spec.Name == TensorNames.Embeddings)
            return randn(spec.Shape, generator: generator);
        double gain = spec.Name.EndsWith(".block_sparse_moe.gate.weight", StringComparison.Ordinal) ? 4.0
            : spec.Name == TensorNames.LmHead ? 3.0
            : spec.Name.Contains(".self_attn.q_proj.", StringComparison.Ordinal) || spec.Name.Contains(".self_attn.k_proj.", StringComparison.Ordinal) ? 1.5
            : 1.0;
        long fanIn = spec.Shape[1];
        return randn(spec.Shape, generator: generator).mul_(gain / Math.Sqrt(fanIn));
    }

    private static long ElementSize(ScalarType dtype) => dtype == ScalarType.Float32 ? 4 : 2;

    private static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => "float32",
    };
}
