using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Experts;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Model.Tests.Reference;
using Mixtral.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Generation;

/// <summary>Continuous batching keeps every sequence's tokens exactly what it would get alone (HF's greedy tokens).</summary>
[Collection(SharedTinyModel.Name)]
public sealed class InferenceEngineTests(TinyModelFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private static GenerationRequest Greedy(int[] prompt, int tokens = 24) =>
        new(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens });

    [Fact]
    public async Task A_request_joining_a_running_batch_gets_the_same_tokens_as_alone()
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        var gated = new GatedExperts(LocalExpertBackend.Load(new WeightLoader(reader, ScalarType.Float32, CPU), fixture.Config), pauseAtStep: 6);
        using var model = MixtralModel.Load(reader, fixture.Config, new ModelOptions(), gated);
        await using var engine = new InferenceEngine(model);
        using var observed = new EngineMetricsReader(engine.Metrics);
        var first = fixture.Reference.Prompts[3];
        var second = fixture.Reference.Prompts[1];

        var firstRun = engine.GenerateToEndAsync(Greedy(first.InputIds));
        await gated.Paused.WaitAsync(Limit); // the first request is mid-generation, its 6th step held
        var secondRun = engine.GenerateToEndAsync(Greedy(second.InputIds)); // queued now: joins at the next step
        gated.Resume();

        Assert.Equal(first.GreedyTokens, (await firstRun.WaitAsync(Limit)).GeneratedIds);
        Assert.Equal(second.GreedyTokens, (await secondRun.WaitAsync(Limit)).GeneratedIds);
        // Alone they would take 24 + 24 steps; joined after step 6 they share the rest.
        Assert.Equal(6 + 24, observed.Steps);
    }

    [Fact]
    public async Task More_requests_than_batch_slots_wait_their_turn_and_all_finish_correctly()
    {
        await using var engine = new InferenceEngine(fixture.Model, options: new EngineOptions { MaxBatchSequences = 2 });
        var runs = fixture.Reference.Prompts.Select(p => engine.GenerateToEndAsync(Greedy(p.InputIds, 12))).ToList();
        var results = await Task.WhenAll(runs).WaitAsync(Limit);
        for (int i = 0; i < results.Length; i++)
            Assert.Equal(fixture.Reference.Prompts[i].GreedyTokens[..12], results[i].GeneratedIds);
    }

    [Fact]
    public async Task A_cancelled_request_ends_with_cancellation_and_the_others_go_on()
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        var experts = new CountingExperts(LocalExpertBackend.Load(new WeightLoader(reader, ScalarType.Float32, CPU), fixture.Config));
        using var model = MixtralModel.Load(reader, fixture.Config, new ModelOptions(), experts);
        await using var engine = new InferenceEngine(model);
        using var cancel = new CancellationTokenSource();
        using var tokenRead = new SemaphoreSlim(0);

        await AdmissionControlTests.HoldAStepAsync(engine, experts, fixture.Reference.Prompts[3].InputIds);
        var other = engine.GenerateToEndAsync(Greedy(fixture.Reference.Prompts[0].InputIds));
        var cancelledRun = ReadThreeTokensAndCancel(); // runs until its first await: the request is queued now
        await AdmissionControlTests.PrefillTogetherAsync(experts);
        await experts.StepWithReaderAsync(tokenRead, AdmissionControlTests.WhenCancelled(cancel.Token), Limit);
        experts.Resume();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelledRun).WaitAsync(Limit);
        Assert.Equal(fixture.Reference.Prompts[0].GreedyTokens, (await other.WaitAsync(Limit)).GeneratedIds);

        async Task ReadThreeTokensAndCancel()
        {
            int seen = 0;
            await foreach (var e in engine.GenerateAsync(Greedy(fixture.Reference.Prompts[2].InputIds, 1000), cancel.Token))
            {
                if (e is not TokenGenerated) continue;
                if (++seen == 3) await cancel.CancelAsync();
                tokenRead.Release();
            }
        }
    }

    [Fact]
    public async Task Generation_stops_at_an_eos_token_and_says_so()
    {
        var reference = fixture.Reference.Prompts[0];
        int eos = reference.GreedyTokens[3]; // pretend the 4th greedy token is EOS
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        using var model = MixtralModel.Load(reader, fixture.Config with { EosTokenIds = [eos] }, new ModelOptions());
        await using var engine = new InferenceEngine(model);
        var result = await engine.GenerateToEndAsync(Greedy(reference.InputIds)).WaitAsync(Limit);
        Assert.Equal(FinishReason.Eos, result.FinishReason);
        Assert.Equal(reference.GreedyTokens[..4], result.GeneratedIds);
    }

    [Theory]
    [InlineData(new int[0], 4, "the prompt is empty")]
    [InlineData(new[] { 1, 32000 }, 4, "prompt token id 32000 is outside the vocabulary")]
    [InlineData(new[] { 1, 2, 3 }, 4094, "exceeds the model's context of 4096 tokens")]
    public async Task Bad_requests_are_refused_with_a_message(int[] prompt, int tokens, string message)
    {
        await using var engine = new InferenceEngine(fixture.Model);
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(() => engine.GenerateToEndAsync(Greedy(prompt, tokens)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task A_failed_step_fails_its_requests_with_the_cause_and_the_engine_keeps_serving()
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        var flaky = new FlakyExperts(LocalExpertBackend.Load(new WeightLoader(reader, ScalarType.Float32, CPU), fixture.Config));
        using var model = MixtralModel.Load(reader, fixture.Config, new ModelOptions(), flaky);
        await using var engine = new InferenceEngine(model);
        using var observed = new EngineMetricsReader(engine.Metrics);
        var reference = fixture.Reference.Prompts[1];

        flaky.FailNext = true;
        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => engine.GenerateToEndAsync(Greedy(reference.InputIds)).WaitAsync(Limit));
        Assert.Contains("expert node lost", failure.Message);

        var result = await engine.GenerateToEndAsync(Greedy(reference.InputIds)).WaitAsync(Limit);
        Assert.Equal(reference.GreedyTokens, result.GeneratedIds);
        Assert.Equal(1, observed.FailedSteps);
        Assert.Equal(1, observed.Finished("failed"));
    }

    /// <summary>Local experts that hold the forward pass of one step until told to go on.</summary>
    private sealed class GatedExperts(LocalExpertBackend inner, int pauseAtStep) : IExpertBackend
    {
        private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _resume = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _steps;

        public Task Paused => _paused.Task;
        public void Resume() => _resume.TrySetResult();

        public async ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken)
        {
            if (layer == 0 && ++_steps == pauseAtStep)
            {
                _paused.TrySetResult();
                await _resume.Task.WaitAsync(cancellationToken);
            }
            return await inner.RunAsync(layer, batches, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Local experts that can be told to fail once, like a node dying mid-step.</summary>
    private sealed class FlakyExperts(LocalExpertBackend inner) : IExpertBackend
    {
        public bool FailNext { get; set; }

        public ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken)
        {
            if (FailNext && layer == 2)
            {
                FailNext = false;
                throw new InvalidOperationException("expert node lost");
            }
            return inner.RunAsync(layer, batches, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }
}
