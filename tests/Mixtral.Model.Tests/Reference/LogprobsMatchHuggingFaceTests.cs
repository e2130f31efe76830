using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Reference;

/// <summary>
/// The log-probabilities the engine reports with a token: log_softmax of transformers' own logits at the last prompt
/// position (the first generated token), for the chosen token and the most likely alternatives.
/// </summary>
[Collection(SharedTinyModel.Name)]
public sealed class LogprobsMatchHuggingFaceTests(TinyModelFixture fixture)
{
    private const int Top = 5;
    private const double Tolerance = 1e-3; // logits agree to 5e-4 (Tolerances.Logits); a log-normaliser adds about as much

    public static TheoryData<int> PromptIndices => [0, 1, 2, 3];

    [Theory]
    [MemberData(nameof(PromptIndices))]
    public async Task First_token_logprobs_are_log_softmax_of_hugging_faces_logits(int prompt)
    {
        var reference = fixture.Reference.Prompts[prompt];
        using var hfLogits = fixture.Reference.Tensor($"prompt{prompt}.logits"); // [T, V]
        using var last = hfLogits[-1].to(ScalarType.Float64);
        using var expected = last.log_softmax(0);
        var (topValues, topIds) = expected.topk(Top);
        using (topValues)
        using (topIds)
        {
            await using var engine = new InferenceEngine(fixture.Model);
            var request = new GenerationRequest(reference.InputIds, SamplingParams.Greedy with { MaxNewTokens = 1, TopLogprobs = Top });
            TokenGenerated? token = null;
            await foreach (var e in engine.GenerateAsync(request))
                if (e is TokenGenerated t) token = t;

            Assert.NotNull(token);
            Assert.Equal(reference.GreedyTokens[0], token.TokenId);
            var logprobs = token.Logprobs!;
            Assert.Equal(expected[token.TokenId].item<double>(), logprobs.Logprob, Tolerance);
            Assert.Equal(Top, logprobs.Top.Count);
            Assert.Equal(token.TokenId, logprobs.Top[0].TokenId); // greedy: the most likely token
            for (int i = 0; i < Top; i++)
            {
                // Alternatives whose logits are closer than the tolerance may swap places; compare each by its id.
                int id = logprobs.Top[i].TokenId;
                Assert.Equal(expected[id].item<double>(), logprobs.Top[i].Logprob, Tolerance);
                Assert.True(expected[id].item<double>() >= topValues[Top - 1].item<double>() - Tolerance, $"alternative {i} (id {id}) is not among transformers' top {Top}");
            }
        }
    }

    [Fact]
    public async Task No_logprobs_unless_asked()
    {
        await using var engine = new InferenceEngine(fixture.Model);
        var request = new GenerationRequest(fixture.Reference.Prompts[0].InputIds, SamplingParams.Greedy with { MaxNewTokens = 2 });
        await foreach (var e in engine.GenerateAsync(request))
            if (e is TokenGenerated t) Assert.Null(t.Logprobs);
    }
}
