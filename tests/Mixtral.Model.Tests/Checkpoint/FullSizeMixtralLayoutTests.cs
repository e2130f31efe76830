using System.Text;
using System.Text.Json;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Testing;
using TorchSharp;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// The real Mixtral-8x7B: its tensor names and shapes, checked without allocating its 93 GB. The checkpoint used
/// is a sparse file: a real safetensors header for every tensor (written here by hand, not by our writer) and a
/// data area that occupies no disk.
/// </summary>
public sealed class FullSizeMixtralLayoutTests
{
    private static readonly MixtralConfig Config = MixtralConfig.Load(FixturePaths.Mixtral8x7BConfig);

    [Fact]
    public void Parameter_counts_match_the_published_model()
    {
        var all = TensorNames.AllTensors(Config).ToList();
        // From the fixture's README: the published model's parameter and byte counts.
        Assert.Equal(46_702_792_704L, all.Sum(t => t.Elements));
        Assert.Equal(93_405_585_408L, all.Sum(t => t.Elements) * 2);
        Assert.Equal(3 + 32 * 7 + 32 * 8 * 3, all.Count);
        Assert.Equal(176_160_768L, TensorNames.ExpertTensors(Config, 0, 0).Sum(t => t.Elements));
        // Embeddings + LM head + 32 × (attention + router + two norms) + final norm, as the README breaks it down.
        Assert.Equal(131_072_000L * 2 + 32 * (41_943_040L + 32_768 + 8_192) + 4_096, TensorNames.SharedTensors(Config).Sum(t => t.Elements));
    }

    [Fact]
    public void Names_and_shapes_are_hugging_faces()
    {
        var shapes = TensorNames.AllTensors(Config).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([32000L, 4096], shapes["model.embed_tokens.weight"]);
        Assert.Equal([32000L, 4096], shapes["lm_head.weight"]);
        Assert.Equal([4096L], shapes["model.norm.weight"]);
        Assert.Equal([4096L, 4096], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([1024L, 4096], shapes["model.layers.0.self_attn.k_proj.weight"]); // 8 KV heads × 128
        Assert.Equal([1024L, 4096], shapes["model.layers.31.self_attn.v_proj.weight"]);
        Assert.Equal([4096L, 4096], shapes["model.layers.31.self_attn.o_proj.weight"]);
        Assert.Equal([8L, 4096], shapes["model.layers.17.block_sparse_moe.gate.weight"]);
        Assert.Equal([14336L, 4096], shapes["model.layers.31.block_sparse_moe.experts.7.w1.weight"]);
        Assert.Equal([4096L, 14336], shapes["model.layers.31.block_sparse_moe.experts.7.w2.weight"]);
        Assert.Equal([14336L, 4096], shapes["model.layers.0.block_sparse_moe.experts.0.w3.weight"]);
        Assert.Equal([4096L], shapes["model.layers.5.post_attention_layernorm.weight"]);
    }

    [Fact]
    public void A_full_size_checkpoint_opens_and_every_tensor_is_found_with_its_shape()
    {
        string dir = Directory.CreateTempSubdirectory("mixtral-8x7b-sparse-").FullName;
        try
        {
            WriteSparseCheckpoint(Path.Combine(dir, "model.safetensors"));
            using var reader = CheckpointReader.Open(dir);
            foreach (var spec in TensorNames.AllTensors(Config))
            {
                var entry = reader.Describe(spec.Name);
                Assert.Equal(spec.Shape, entry.Shape);
                Assert.Equal(SafetensorsDType.BF16, entry.DType);
            }
            // Loading goes through the same shape check; a norm is small enough to actually read (zeros, sparse).
            using var norm = reader.Load(new TensorSpec("model.layers.31.input_layernorm.weight", [4096]), torch.ScalarType.Float32);
            Assert.Equal(0f, norm.abs().sum().item<float>());
            var wrong = Assert.Throws<ModelFormatException>(() => reader.Load(new TensorSpec("model.layers.0.self_attn.k_proj.weight", [4096, 4096]), torch.ScalarType.Float32));
            Assert.Contains("model.layers.0.self_attn.k_proj.weight", wrong.Message);
            Assert.Equal(0, reader.TensorsRead.Count(n => n.Contains("experts", StringComparison.Ordinal)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A safetensors file per the format spec: u64 header length, JSON header, then the data area (left sparse).</summary>
    private static void WriteSparseCheckpoint(string path)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long offset = 0;
        foreach (var spec in TensorNames.AllTensors(Config).OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            long bytes = spec.Elements * 2;
            header[spec.Name] = new Dictionary<string, object> { ["dtype"] = "BF16", ["shape"] = spec.Shape, ["data_offsets"] = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        using var file = new FileStream(path, FileMode.CreateNew);
        file.Write(BitConverter.GetBytes((ulong)padded));
        file.Write(json);
        file.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
        file.SetLength(8 + padded + offset); // 93 GB of holes
    }
}
