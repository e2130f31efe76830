using System.Text.Json;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Synthesis;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

public sealed class SynthCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"synth-{Guid.NewGuid():N}");

    [Fact]
    public async Task Tiny_preset_writes_a_complete_hugging_face_folder_that_generates()
    {
        var run = await Cli.RunAsync("synth", "--preset", "tiny", "--out", _dir, "--seed", "5");
        Assert.True(run.ExitCode == 0, run.ToString());

        foreach (string file in new[] { "config.json", "generation_config.json", "model.safetensors.index.json", "tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.True(File.Exists(Path.Combine(_dir, file)), $"{file} missing");
        // The tokenizer ships unchanged: byte-identical to the real Mixtral file.
        Assert.Equal(File.ReadAllBytes(Path.Combine(FixturePaths.TinyMixtral, "tokenizer.model")), File.ReadAllBytes(Path.Combine(_dir, "tokenizer.model")));

        var config = MixtralConfig.Load(Path.Combine(_dir, "config.json"));
        var preset = SynthPreset.Get("tiny");
        Assert.Equal((preset.HiddenSize, preset.NumHiddenLayers, preset.NumLocalExperts), (config.HiddenSize, config.NumHiddenLayers, config.NumLocalExperts));

        // Every tensor the model needs, with its shape, in bf16, spread over shards named as save_pretrained names them.
        using var reader = CheckpointReader.Open(_dir);
        foreach (var spec in TensorNames.AllTensors(config))
        {
            var entry = reader.Describe(spec.Name);
            Assert.Equal(spec.Shape, entry.Shape);
            Assert.Equal(SafetensorsDType.BF16, entry.DType);
        }
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "model.safetensors.index.json")));
        var shards = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()).Distinct().ToList();
        Assert.True(shards.Count >= 2, "expected a sharded checkpoint");
        Assert.All(shards, s => Assert.Matches(@"^model-\d{5}-of-\d{5}\.safetensors$", s));

        var generate = await Cli.RunAsync("generate", "--model", _dir, "--prompt", "Hi", "--max-new-tokens", "5", "--json");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        Assert.Equal(5, JsonDocument.Parse(generate.StdOut).RootElement.GetProperty("generated_tokens").GetInt32());
    }

    [Fact]
    public async Task Same_seed_writes_the_same_weights()
    {
        string other = _dir + "-b";
        try
        {
            Assert.Equal(0, (await Cli.RunAsync("synth", "--preset", "tiny", "--out", _dir, "--seed", "9")).ExitCode);
            Assert.Equal(0, (await Cli.RunAsync("synth", "--preset", "tiny", "--out", other, "--seed", "9")).ExitCode);
            foreach (string shard in Directory.GetFiles(_dir, "*.safetensors"))
                Assert.Equal(File.ReadAllBytes(shard), File.ReadAllBytes(Path.Combine(other, Path.GetFileName(shard))));
        }
        finally
        {
            if (Directory.Exists(other)) Directory.Delete(other, true);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }
}
