using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// A config.json that declares less model than the checkpoint holds (issue 8: 2 layers over a 4-layer checkpoint
/// ran silently with 2) is refused, naming a tensor the config does not declare and the config field. The tensor
/// names are the fixture checkpoint's own, read from its index by the reader.
/// </summary>
public sealed class CheckpointCoverageTests
{
    private static readonly MixtralConfig Tiny = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));

    private static IReadOnlyCollection<string> FixtureTensorNames()
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        return reader.TensorNames;
    }

    [Fact]
    public void The_fixture_matches_its_own_config() => CheckpointCoverage.Check(FixtureTensorNames(), Tiny, "tiny");

    [Theory]
    [InlineData(1, "model.layers.1.")]
    [InlineData(2, "model.layers.2.")]
    [InlineData(3, "model.layers.3.")]
    public void Fewer_layers_than_the_checkpoint_are_refused(int layers, string firstExtraLayer)
    {
        var error = Assert.Throws<ModelFormatException>(() =>
            CheckpointCoverage.Check(FixtureTensorNames(), Tiny with { NumHiddenLayers = layers }, "tiny"));
        Assert.StartsWith("tiny: the checkpoint has tensor '" + firstExtraLayer, error.Message, StringComparison.Ordinal);
        Assert.Contains($"config.json's num_hidden_layers is {layers}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(7)]
    public void Fewer_experts_than_the_checkpoint_are_refused(int experts)
    {
        var error = Assert.Throws<ModelFormatException>(() =>
            CheckpointCoverage.Check(FixtureTensorNames(), Tiny with { NumLocalExperts = experts }, "tiny"));
        Assert.Contains($".block_sparse_moe.experts.{experts}.", error.Message, StringComparison.Ordinal);
        Assert.Contains($"config.json's num_local_experts is {experts}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.layers.x.input_layernorm.weight")] // not a layer index: left to the shape and name checks of loading
    [InlineData("model.layers.")]
    [InlineData("model.layers.0.block_sparse_moe.experts.")]
    [InlineData("model.layers.0.self_attn.rotary_emb.inv_freq")] // older exports carry this buffer; harmless
    [InlineData("lm_head.weight")]
    public void Names_without_an_out_of_range_index_pass(string name) =>
        CheckpointCoverage.Check([name], Tiny, "tiny");

    [Theory]
    [InlineData("model.layers.4.input_layernorm.weight", "layer 4")]
    [InlineData("model.layers.2147483647.mlp.weight", "layer 2147483647")]
    [InlineData("model.layers.0.block_sparse_moe.experts.8.w1.weight", "expert 8")]
    public void Names_beyond_the_config_are_refused(string name, string what)
    {
        var error = Assert.Throws<ModelFormatException>(() => CheckpointCoverage.Check([name], Tiny, "tiny"));
        Assert.Contains($"'{name}' of {what}", error.Message, StringComparison.Ordinal);
    }
}
