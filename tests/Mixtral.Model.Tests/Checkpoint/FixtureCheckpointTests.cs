using Mixtral.Model.Checkpoint;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>Reads the tiny-mixtral fixture (bf16, two shards written by save_pretrained) and checks it against raw bytes.</summary>
public class FixtureCheckpointTests
{
    [Fact]
    public void Index_lists_every_tensor_of_the_config_with_its_shape_in_bf16()
    {
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory);
        var specs = TensorNames.AllTensors(TinyCheckpoint.Config).ToList();

        Assert.Equal(TinyCheckpoint.WeightMap.Keys.Order(StringComparer.Ordinal), reader.TensorNames.Order(StringComparer.Ordinal));
        Assert.Equal(reader.TensorNames.Order(StringComparer.Ordinal), specs.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var spec in specs)
        {
            var entry = reader.Describe(spec.Name);
            Assert.Equal(spec.Shape, entry.Shape);
            Assert.Equal(SafetensorsDType.BF16, entry.DType);
            Assert.Equal(TinyCheckpoint.ShardOf(spec.Name), entry.FilePath);
        }
    }

    public static TheoryData<string> TensorsInBothShards => new()
    {
        "model.embed_tokens.weight",
        "model.layers.0.input_layernorm.weight",
        "model.layers.1.block_sparse_moe.gate.weight",
        "model.layers.3.block_sparse_moe.experts.7.w2.weight",
        "lm_head.weight",
    };

    [Theory]
    [MemberData(nameof(TensorsInBothShards))]
    public void Bf16_weight_loads_as_f32_equal_to_its_bytes_widened_by_hand(string name)
    {
        var raw = RawSafetensors.Open(TinyCheckpoint.ShardOf(name));
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory);

        using var loaded = reader.Load(Spec(name), ScalarType.Float32);

        Assert.Equal(ScalarType.Float32, loaded.dtype);
        Assert.Equal(raw.Shape(name), loaded.shape);
        ExactFloats.AssertBitwiseEqual(ExactFloats.FromBFloat16(raw.Bytes(name)), loaded.data<float>().ToArray());
    }

    [Theory]
    [MemberData(nameof(TensorsInBothShards))]
    public void Bf16_weight_loaded_as_bf16_keeps_the_stored_bytes(string name)
    {
        var raw = RawSafetensors.Open(TinyCheckpoint.ShardOf(name));
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory);

        using var loaded = reader.Load(Spec(name), ScalarType.BFloat16);

        Assert.Equal(ScalarType.BFloat16, loaded.dtype);
        Assert.True(raw.Bytes(name).AsSpan().SequenceEqual(loaded.bytes), $"{name}: bytes differ from the file");
    }

    [Fact]
    public void Shard_headers_carry_save_pretrained_metadata()
    {
        using var file = SafetensorsFile.Open(TinyCheckpoint.ShardOf(TensorNames.LmHead));

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(RawSafetensors.Open(file.Path).TensorNames.Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
    }

    private static TensorSpec Spec(string name) =>
        TensorNames.AllTensors(TinyCheckpoint.Config).Single(s => s.Name == name);
}
