using Mixtral.Model.Checkpoint;
using Mixtral.Model.Experts;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Model.Tests.Reference;
using Mixtral.Testing;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Generation;

/// <summary>A prompt fed in chunks over several steps gives Hugging Face's greedy tokens, and never stalls the others for more than a chunk.</summary>
[Collection(SharedTinyModel.Name)]
public sealed class ChunkedPrefillTests(TinyModelFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private static GenerationRequest Greedy(int[] prompt, int tokens = 24) =>
        new(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens });

    private (MixtralModel Model, CountingExperts Experts) Counted()
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        var experts = new CountingExperts(LocalExpertBackend.Load(new WeightLoader(reader, ScalarType.Float32, CPU), fixture.Config));
        return (MixtralModel.Load(reader, fixture.Config, new ModelOptions(), experts), experts);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public async Task A_prompt_prefilled_in_chunks_gets_hugging_faces_greedy_tokens(int chunk)
    {
        await using var engine = new InferenceEngine(fixture.Model, options: new EngineOptions { MaxPrefillTokensPerStep = chunk });
        using var observed = new EngineMetricsReader(engine.Metrics);
        var reference = fixture.Reference.Prompts[3]; // 64 tokens
        var result = await engine.GenerateToEndAsync(Greedy(reference.InputIds)).WaitAsync(Limit);
        Assert.Equal(reference.GreedyTokens, result.GeneratedIds);
        int prefillSteps = (reference.InputIds.Length + chunk - 1) / chunk; // the last of them also samples the first token
        Assert.Equal(prefillSteps + reference.GreedyTokens.Length - 1, observed.Steps);
    }

    [Fact]
    public async Task Prompts_arriving_together_are_fed_a_chunk_per_step_beside_the_decodes_and_all_equal_hugging_face()
    {
        const int chunk = 3;
        var (model, experts) = Counted();
        using var _ = model;
        await using var engine = new InferenceEngine(model, options: new EngineOptions { MaxPrefillTokensPerStep = chunk });
        var prompts = fixture.Reference.Prompts;

        var results = await Task.WhenAll(prompts.Select(p => engine.GenerateToEndAsync(Greedy(p.InputIds)))).WaitAsync(Limit);
        for (int i = 0; i < prompts.Count; i++)
            Assert.Equal(prompts[i].GreedyTokens, results[i].GeneratedIds);
        // No step carries more than one chunk of prompt plus one token per other sequence.
        int k = fixture.Config.NumExpertsPerTok;
        Assert.All(experts.RowsPerStep, rows => Assert.True(rows <= (chunk + prompts.Count - 1) * k, $"a step carried {rows / k} tokens"));
    }

    [Fact]
    public async Task A_long_prompt_joining_running_decodes_does_not_hold_them_for_its_whole_length()
    {
        const int chunk = 3;
        var (model, experts) = Counted();
        using var _ = model;
        await using var engine = new InferenceEngine(model, options: new EngineOptions { MaxPrefillTokensPerStep = chunk });
        int k = fixture.Config.NumExpertsPerTok;
        var shortPrompt = fixture.Reference.Prompts[0];
        var longPrompt = fixture.Reference.Prompts[3]; // 64 tokens: 22 chunks

        experts.HoldNextStep();
        var running = engine.GenerateToEndAsync(Greedy(shortPrompt.InputIds, 24));
        await experts.Paused.WaitAsync(Limit); // the short prompt's prefill step is held
        experts.ResumeAndHoldNext();
        await experts.Paused.WaitAsync(Limit); // now it is decoding
        var joining = engine.GenerateToEndAsync(Greedy(longPrompt.InputIds, 8));
        experts.Resume();

        Assert.Equal(shortPrompt.GreedyTokens, (await running.WaitAsync(Limit)).GeneratedIds);
        Assert.Equal(longPrompt.GreedyTokens[..8], (await joining.WaitAsync(Limit)).GeneratedIds);
        var rows = experts.RowsPerStep;
        // The short prompt (5 tokens) took two steps (3 + 2, the second sampling its first token); the long one joined
        // at step 3 and was fed 21 full chunks, each beside the short one's next token, then a last chunk of 1.
        Assert.All(rows, r => Assert.True(r <= (1 + chunk) * k, $"a step carried {r / k} tokens"));
        Assert.Equal(21, rows.Count(r => r == (1 + chunk) * k));
        Assert.Equal(3 * k, rows[0]);
        Assert.Equal(2 * k, rows[1]);
    }
}
