using Mixtral.Model.Checkpoint;
using Mixtral.Model.Inference;
using Mixtral.Model.Tests.Reference;
using Mixtral.Testing;
using TorchSharp;
using static TorchSharp.torch;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// The tiny model with its weight matrices kept in bfloat16 (the checkpoint's own values) under a float32 computation,
/// against Hugging Face's float32 reference: every position's logits, and greedy generation with the cache.
/// </summary>
[Collection(SharedTinyModel.Name)]
public sealed class Bfloat16WeightsTests(TinyModelFixture fixture) : IDisposable
{
    private readonly MixtralModel _model = Load();

    public static TheoryData<int> PromptIndices => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Logits_match_hugging_face(int prompt)
    {
        using var cache = _model.NewCache();
        var ids = fixture.Reference.Prompts[prompt].InputIds;
        using var logits = await _model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, ids)], LogitRows.All));
        using var expected = fixture.Reference.Tensor($"prompt{prompt}.logits");
        KernelTolerance.AssertClose(expected, logits, Tolerances.Logits, $"prompt {prompt} logits, bf16 weights");
    }

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Greedy_tokens_match_hugging_face(int prompt)
    {
        var reference = fixture.Reference.Prompts[prompt];
        using var cache = _model.NewCache();
        IReadOnlyList<int> input = reference.InputIds;
        var generated = new List<int>();
        while (generated.Count < reference.GreedyTokens.Length)
        {
            using var logits = await _model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, input)])); // [1, V]
            using var next = logits.argmax(-1);
            generated.Add((int)next.item<long>());
            input = [generated[^1]];
        }
        Assert.Equal(reference.GreedyTokens, generated);
    }

    [Fact]
    public void Matrices_are_resident_in_bfloat16()
    {
        var experts = Assert.IsType<Mixtral.Model.Experts.LocalExpertBackend>(_model.Experts);
        var full = Assert.IsType<Mixtral.Model.Experts.LocalExpertBackend>(fixture.Model.Experts);
        Assert.Equal(full.ResidentBytes, 2 * experts.ResidentBytes);
    }

    private static MixtralModel Load()
    {
        var config = Mixtral.Model.Config.MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        return MixtralModel.Load(reader, config, new ModelOptions { WeightDType = ScalarType.BFloat16 });
    }

    public void Dispose() => _model.Dispose();
}
