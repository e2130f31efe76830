using System.Text.Json;
using Mixtral.Model.Checkpoint;
using Mixtral.Testing;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

public class ShardedCheckpointWriterTests
{
    [Fact]
    public void Rewriting_the_fixture_reproduces_save_pretrained_byte_for_byte()
    {
        var config = TinyCheckpoint.Config;
        var specs = TensorNames.AllTensors(config).ToDictionary(s => s.Name);
        using var dir = new TempDirectory();
        using var reader = CheckpointReader.Open(TinyCheckpoint.Directory);

        IReadOnlyList<string> written;
        using (var writer = new ShardedCheckpointWriter(dir.Path, FixtureMaxShardBytes()))
        {
            foreach (string name in StateDictOrder(config.NumHiddenLayers, config.NumLocalExperts))
            {
                using var tensor = reader.Load(specs[name], ScalarType.BFloat16);
                writer.Add(name, tensor);
            } // each tensor is disposed right after Add: the writer keeps bytes, not tensors
            written = writer.Complete();
        }

        string[] files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"];
        Assert.Equal(files.Select(dir.File), written);
        Assert.Equal(files.Order(StringComparer.Ordinal), Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string file in files)
            Assert.True(
                File.ReadAllBytes(Path.Combine(TinyCheckpoint.Directory, file)).AsSpan().SequenceEqual(File.ReadAllBytes(dir.File(file))),
                $"{file} differs from the one save_pretrained wrote");
    }

    [Fact]
    public void Shards_are_cut_by_save_pretrained_rules_and_read_back()
    {
        // max 100 bytes; a, b, c: 40 bytes; big: 400; d: 16. save_pretrained (huggingface_hub
        // split_torch_state_dict_into_shards): c would take {a, b} past 100, so it starts a new shard; big is over
        // the maximum and gets a shard of its own, numbered before the one being filled; d joins c.
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var tensors = new (string Name, Tensor Tensor)[]
        {
            ("a", full(10, 1f)), ("b", full(10, 2f)), ("c", full(10, 3f)), ("big", full(100, 4f)), ("d", full(4, 5f)),
        };
        using (var writer = new ShardedCheckpointWriter(dir.Path, maxShardBytes: 100))
        {
            foreach (var (name, tensor) in tensors) writer.Add(name, tensor);
            writer.Complete();
        }

        using var index = JsonDocument.Parse(File.ReadAllBytes(dir.File("model.safetensors.index.json")));
        Assert.Equal(536, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        var expectedShards = new Dictionary<string, string[]>
        {
            ["model-00001-of-00003.safetensors"] = ["a", "b"],
            ["model-00002-of-00003.safetensors"] = ["big"],
            ["model-00003-of-00003.safetensors"] = ["c", "d"],
        };
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(expectedShards.SelectMany(s => s.Value.Select(t => (t, s.Key))).OrderBy(p => p.t, StringComparer.Ordinal),
            weightMap.Select(kv => (kv.Key, kv.Value)).OrderBy(p => p.Key, StringComparer.Ordinal));
        foreach (var (shard, names) in expectedShards)
            Assert.Equal(names, RawSafetensors.Open(dir.File(shard)).TensorNames);

        using var reader = CheckpointReader.Open(dir.Path);
        foreach (var (name, tensor) in tensors)
        {
            using var read = reader.Load(new TensorSpec(name, tensor.shape), ScalarType.Float32);
            Assert.Equal(tensor.data<float>().ToArray(), read.data<float>().ToArray());
        }
    }

    [Fact]
    public void One_shard_is_written_as_model_safetensors_without_an_index()
    {
        using var dir = new TempDirectory();
        using var w = full(3, 7f, dtype: ScalarType.BFloat16);
        using (var writer = new ShardedCheckpointWriter(dir.Path))
        {
            writer.Add("w", w);
            Assert.Equal([dir.File("model.safetensors")], writer.Complete());
        }

        Assert.Equal(["model.safetensors"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal("pt", RawSafetensors.Open(dir.File("model.safetensors")).Header.GetProperty("__metadata__").GetProperty("format").GetString());
        using var reader = CheckpointReader.Open(dir.Path);
        using var read = reader.Load(new TensorSpec("w", [3]), ScalarType.Float32);
        Assert.Equal([7f, 7f, 7f], read.data<float>().ToArray());
    }

    [Fact]
    public void Saving_again_replaces_the_weights_of_the_earlier_save_in_either_form()
    {
        using var dir = new TempDirectory();
        using var small = full(2, 1f);
        using var large = full(50, 2f);

        Save(dir.Path, maxShardBytes: 100, ("x", large), ("y", large)); // two shards + index
        Save(dir.Path, maxShardBytes: 1000, ("x", small));                // model.safetensors
        Assert.False(File.Exists(dir.File("model.safetensors.index.json")));
        using (var reader = CheckpointReader.Open(dir.Path))
            Assert.Equal(["x"], reader.TensorNames);

        Save(dir.Path, maxShardBytes: 100, ("x", large), ("y", large));
        Assert.False(File.Exists(dir.File("model.safetensors")));
        using (var reader = CheckpointReader.Open(dir.Path))
            Assert.Equal(["x", "y"], reader.TensorNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Disposing_without_Complete_leaves_nothing_behind()
    {
        using var dir = new TempDirectory();
        using var w = ones(50);
        using (var writer = new ShardedCheckpointWriter(dir.Path, maxShardBytes: 200))
        {
            writer.Add("a", w);
            writer.Add("b", w); // closes the shard holding a
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    private static void Save(string directory, long maxShardBytes, params (string Name, Tensor Tensor)[] tensors)
    {
        using var writer = new ShardedCheckpointWriter(directory, maxShardBytes);
        foreach (var (name, tensor) in tensors) writer.Add(name, tensor);
        writer.Complete();
    }

    /// <summary>The order of MixtralForCausalLM.state_dict(), which save_pretrained fills shards in.</summary>
    private static IEnumerable<string> StateDictOrder(int layers, int experts)
    {
        yield return TensorNames.Embeddings;
        for (int l = 0; l < layers; l++)
        {
            yield return TensorNames.QProj(l);
            yield return TensorNames.KProj(l);
            yield return TensorNames.VProj(l);
            yield return TensorNames.OProj(l);
            yield return TensorNames.Router(l);
            for (int e = 0; e < experts; e++)
                foreach (var m in new[] { ExpertMatrix.W1, ExpertMatrix.W2, ExpertMatrix.W3 })
                    yield return TensorNames.Expert(l, e, m);
            yield return TensorNames.InputNorm(l);
            yield return TensorNames.PostAttentionNorm(l);
        }
        yield return TensorNames.FinalNorm;
        yield return TensorNames.LmHead;
    }

    /// <summary>The max_shard_size the fixture was saved with, as reference.json records it.</summary>
    private static long FixtureMaxShardBytes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FixturePaths.ReferenceJson));
        return doc.RootElement.GetProperty("weights").GetProperty("max_shard_size_bytes").GetInt64();
    }
}
