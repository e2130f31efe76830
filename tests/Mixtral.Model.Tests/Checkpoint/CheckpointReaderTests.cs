using Mixtral.Model.Checkpoint;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// What a node reads: shards open only when a tensor in them is needed, and the reader's accounting and
/// progress say exactly which tensors and bytes were read. Checked on the tiny-mixtral fixture, whose index
/// (read here with System.Text.Json) says which shard holds what.
/// </summary>
public class CheckpointReaderTests
{
    private const int Bf16Bytes = 2;

    [Fact]
    public void Shards_open_only_when_a_tensor_in_them_is_loaded()
    {
        var config = TinyCheckpoint.Config;
        var layer0 = TensorNames.ExpertTensors(config, layer: 0, expert: 3).First();
        var layer3 = TensorNames.ExpertTensors(config, layer: 3, expert: 3).First();
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory);
        Assert.Empty(reader.FilesOpened);

        using (reader.Load(layer0, ScalarType.Float32))
            Assert.Equal([TinyCheckpoint.ShardOf(layer0.Name)], reader.FilesOpened);
        Assert.EndsWith("model-00001-of-00002.safetensors", reader.FilesOpened.Single(), StringComparison.Ordinal);

        using (reader.Load(layer3, ScalarType.Float32))
            Assert.Equal([TinyCheckpoint.ShardOf(layer0.Name), TinyCheckpoint.ShardOf(layer3.Name)], reader.FilesOpened);
    }

    [Fact]
    public void Accounting_counts_exactly_the_tensors_an_expert_node_loads()
    {
        var specs = TensorNames.ExpertTensors(TinyCheckpoint.Config, layer: 2, expert: 5).ToList();
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory);

        foreach (var spec in specs)
            using (reader.Load(spec, ScalarType.Float32)) { }

        Assert.Equal(specs.Select(s => s.Name), reader.TensorsRead);
        Assert.Equal(3 * 256 * 128 * Bf16Bytes, reader.BytesRead); // w1, w2, w3: intermediate 256 × hidden 128 each
        Assert.Equal(specs.Select(s => TinyCheckpoint.ShardOf(s.Name)).Distinct(), reader.FilesOpened);
    }

    [Fact]
    public void Progress_reaches_the_totals_of_the_tensors_a_node_expects()
    {
        var specs = TensorNames.ExpertTensors(TinyCheckpoint.Config, layer: 1, expert: 6).ToList();
        var progress = new RecordingProgress();
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory, progress, specs.Select(s => s.Name));

        foreach (var spec in specs)
            using (reader.Load(spec, ScalarType.Float32)) { }

        Assert.Equal([1, 2, 3], progress.Reports.Select(r => r.TensorsRead));
        Assert.Equal(specs.Select(s => s.Name), progress.Reports.Select(r => r.CurrentTensor));
        var last = progress.Reports[^1];
        Assert.Equal(3, last.TensorsTotal);
        Assert.Equal(3 * 256 * 128 * Bf16Bytes, last.BytesTotal);
        Assert.Equal(last.BytesTotal, last.BytesRead);
    }

    [Fact]
    public void Progress_over_the_whole_checkpoint_reaches_the_index_total_size()
    {
        var specs = TensorNames.AllTensors(TinyCheckpoint.Config).ToList();
        var progress = new RecordingProgress();
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory, progress);

        foreach (var spec in specs)
            using (reader.Load(spec, ScalarType.BFloat16)) { }

        Assert.Equal(specs.Count, progress.Reports.Count);
        Assert.True(progress.Reports.Zip(progress.Reports.Skip(1)).All(p => p.First.BytesRead < p.Second.BytesRead));
        var last = progress.Reports[^1];
        Assert.Equal(TinyCheckpoint.WeightMap.Count, last.TensorsTotal);
        Assert.Equal(last.TensorsTotal, last.TensorsRead);
        Assert.Equal(TinyCheckpoint.TotalSize, last.BytesTotal);
        Assert.Equal(last.BytesTotal, last.BytesRead);
        Assert.Equal(specs.Sum(s => s.Elements * Bf16Bytes), last.BytesRead);
    }

    [Fact]
    public void Expecting_a_tensor_the_checkpoint_lacks_fails_on_open()
    {
        var error = Assert.Throws<ModelFormatException>(() =>
            CheckpointReader.Open(TinyCheckpoint.Directory, expectedTensors: ["model.layers.9.block_sparse_moe.gate.weight"]));
        Assert.Equal($"{TinyCheckpoint.IndexPath}: the checkpoint has no tensor 'model.layers.9.block_sparse_moe.gate.weight'", error.Message);
    }
}
