using System.Text.Json;
using System.Text.Json.Nodes;
using Mixtral.Model.Checkpoint;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// Model folders that cannot be used: a broken index, a shard that is missing or lacks a tensor the index puts in
/// it, a tensor whose shape or dtype is not what the config needs. Built from a small sharded checkpoint
/// (x and y in shard 1, z in shard 2) written by the writer.
/// </summary>
public sealed class CorruptCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public CorruptCheckpointTests()
    {
        using var x = ones(4, 4);
        using var y = ones(4);
        using var z = ones(4, dtype: ScalarType.Int32);
        using var writer = new ShardedCheckpointWriter(_dir.Path, maxShardBytes: 80);
        writer.Add("x", x);
        writer.Add("y", y);
        writer.Add("z", z);
        writer.Complete();
    }

    private string IndexPath => _dir.File(CheckpointReader.IndexFileName);
    private string Shard1 => _dir.File("model-00001-of-00002.safetensors");
    private string Shard2 => _dir.File("model-00002-of-00002.safetensors");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_valid_checkpoint_loads()
    {
        using var reader = CheckpointReader.Open(_dir.Path);
        Assert.Equal(Shard1, reader.Describe("y").FilePath);
        Assert.Equal(Shard2, reader.Describe("z").FilePath);
    }

    [Fact]
    public void Index_that_is_not_json_is_named()
    {
        File.WriteAllText(IndexPath, "{\"weight_map\": {\"x\": ");

        var error = Assert.Throws<ModelFormatException>(() => CheckpointReader.Open(_dir.Path));
        Assert.StartsWith($"{IndexPath}: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Index_naming_a_shard_that_does_not_exist_is_rejected_on_open()
    {
        File.Delete(Shard2);

        var error = Assert.Throws<ModelFormatException>(() => CheckpointReader.Open(_dir.Path));
        Assert.Equal($"{IndexPath}: weight_map puts tensor 'z' in model-00002-of-00002.safetensors, but {Shard2} does not exist", error.Message);
    }

    [Theory]
    [InlineData("../model-00001-of-00002.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("")]
    public void Index_naming_a_file_outside_the_model_folder_is_rejected(string shard)
    {
        EditWeightMap(map => map["x"] = shard);

        var error = Assert.Throws<ModelFormatException>(() => CheckpointReader.Open(_dir.Path));
        Assert.Equal($"{IndexPath}: weight_map gives {JsonSerializer.Serialize(shard)} for tensor 'x', not a file name in the model folder", error.Message);
    }

    [Fact]
    public void Index_without_weight_map_is_rejected()
    {
        File.WriteAllText(IndexPath, "{\"metadata\": {\"total_size\": 8}}");

        var error = Assert.Throws<ModelFormatException>(() => CheckpointReader.Open(_dir.Path));
        Assert.Equal($"{IndexPath}: no \"weight_map\" object", error.Message);
    }

    [Fact]
    public void Tensor_the_index_puts_in_a_shard_that_lacks_it_is_named_when_the_shard_opens()
    {
        EditWeightMap(map => map["ghost"] = "model-00001-of-00002.safetensors");
        using var reader = CheckpointReader.Open(_dir.Path);

        var error = Assert.Throws<ModelFormatException>(() => reader.Load(new TensorSpec("x", [4, 4]), ScalarType.Float32));
        Assert.Equal($"{Shard1}: tensor 'ghost' is missing, though {IndexPath} puts it in this file", error.Message);
    }

    [Fact]
    public void Tensor_absent_from_the_checkpoint_is_named()
    {
        using var reader = CheckpointReader.Open(_dir.Path);

        var error = Assert.Throws<ModelFormatException>(() => reader.Load(new TensorSpec("w", [4]), ScalarType.Float32));
        Assert.Equal($"{IndexPath}: the checkpoint has no tensor 'w'", error.Message);
    }

    [Fact]
    public void Shape_that_does_not_match_the_config_names_file_tensor_and_both_shapes()
    {
        using var reader = CheckpointReader.Open(_dir.Path);

        var error = Assert.Throws<ModelFormatException>(() => reader.Load(new TensorSpec("x", [4, 2]), ScalarType.Float32));
        Assert.Equal($"{Shard1}: tensor 'x' has shape [4, 4] but the config expects [4, 2]", error.Message);
        Assert.Empty(reader.TensorsRead);
    }

    [Fact]
    public void Weight_stored_in_a_non_float_dtype_is_rejected()
    {
        using var reader = CheckpointReader.Open(_dir.Path);

        var error = Assert.Throws<ModelFormatException>(() => reader.Load(new TensorSpec("z", [4]), ScalarType.Float32));
        Assert.Equal($"{Shard2}: tensor 'z': unsupported dtype I32 for a model weight (F32, F16 or BF16)", error.Message);
    }

    [Fact]
    public void Folder_without_weights_is_named()
    {
        using var empty = new TempDirectory();

        var error = Assert.Throws<ModelFormatException>(() => CheckpointReader.Open(empty.Path));
        Assert.Equal($"{empty.Path}: no model.safetensors.index.json or model.safetensors in the model folder", error.Message);
    }

    [Fact]
    public void Corrupt_shard_is_named_when_it_is_opened()
    {
        File.WriteAllBytes(Shard2, [1, 2, 3]);
        using var reader = CheckpointReader.Open(_dir.Path);
        using var x = reader.Load(new TensorSpec("x", [4, 4]), ScalarType.Float32);

        var error = Assert.Throws<ModelFormatException>(() => reader.Describe("z"));
        Assert.StartsWith($"{Shard2}: the file is 3 bytes", error.Message, StringComparison.Ordinal);
    }

    private void EditWeightMap(Action<JsonObject> edit)
    {
        var index = JsonNode.Parse(File.ReadAllText(IndexPath))!.AsObject();
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(IndexPath, index.ToJsonString());
    }
}
