using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Reference;

/// <summary>One full forward pass per reference prompt, compared with transformers' own numbers.</summary>
[Collection(SharedTinyModel.Name)]
public sealed class ForwardMatchesHuggingFaceTests(TinyModelFixture fixture)
{
    public static TheoryData<int> PromptIndices => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Logits_at_every_position_match(int prompt)
    {
        using var cache = fixture.Model.NewCache();
        var ids = fixture.Reference.Prompts[prompt].InputIds;
        using var logits = await fixture.Model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, ids)], LogitRows.All));
        using var expected = fixture.Reference.Tensor($"prompt{prompt}.logits");
        AssertClose(expected, logits, Tolerances.Logits, $"prompt {prompt} logits");
    }

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Router_choices_and_weights_match_for_every_layer_and_token(int prompt)
    {
        using var cache = fixture.Model.NewCache();
        using var capture = new RoutingCapture();
        var ids = fixture.Reference.Prompts[prompt].InputIds;
        using var _ = await fixture.Model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, ids)], LogitRows.All), capture);

        using var expectedIds = fixture.Reference.Tensor($"prompt{prompt}.topk_experts"); // [L, T, K] int32
        using var expectedWeights = fixture.Reference.Tensor($"prompt{prompt}.topk_weights"); // [L, T, K]
        using var actualIds = stack(capture.ExpertIds).to(ScalarType.Int32);
        using var actualWeights = stack(capture.Weights);
        Assert.Equal(expectedIds.shape, actualIds.shape);
        var mismatches = expectedIds.ne(actualIds).nonzero();
        Assert.True(mismatches.shape[0] == 0,
            $"prompt {prompt}: {mismatches.shape[0]} (layer, token, slot) expert choices differ from HF, first at {Describe(mismatches)}");
        AssertClose(expectedWeights, actualWeights, Tolerances.RouterWeights, $"prompt {prompt} routing weights");
    }

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task Final_hidden_states_match(int prompt)
    {
        using var cache = fixture.Model.NewCache();
        using var capture = new RoutingCapture();
        var ids = fixture.Reference.Prompts[prompt].InputIds;
        using var _ = await fixture.Model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, ids)], LogitRows.All), capture);
        using var expected = fixture.Reference.Tensor($"prompt{prompt}.final_hidden");
        AssertClose(expected, capture.FinalHidden!, Tolerances.FinalHidden, $"prompt {prompt} final hidden");
    }

    internal static void AssertClose(Tensor expected, Tensor actual, float tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (expected - actual.to(expected.dtype)).abs();
        float max = diff.max().item<float>();
        Assert.True(max <= tolerance, $"{what}: max |HF - ours| = {max:E3} > {tolerance:E1} (at flat index {diff.argmax().item<long>()})");
    }

    private static string Describe(Tensor nonzero) =>
        nonzero.shape[0] == 0 ? "-" : $"[{string.Join(", ", nonzero[0].data<long>().ToArray())}]";
}
