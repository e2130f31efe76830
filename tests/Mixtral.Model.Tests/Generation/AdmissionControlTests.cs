using Mixtral.Model.Checkpoint;
using Mixtral.Model.Experts;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Model.Tests.Reference;
using Mixtral.Testing;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Generation;

/// <summary>Back-pressure and cancellation: a full engine refuses before any token, a cancelled request leaves the batch.</summary>
[Collection(SharedTinyModel.Name)]
public sealed class AdmissionControlTests(TinyModelFixture fixture)
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
    [InlineData(0)]
    public async Task A_full_queue_refuses_with_a_retry_hint_before_any_token_and_the_engine_keeps_serving(int maxQueued)
    {
        var (model, experts) = Counted();
        using var _ = model;
        await using var engine = new InferenceEngine(model, options: new EngineOptions { MaxBatchSequences = 1, MaxQueuedRequests = maxQueued });
        using var observed = new EngineMetricsReader(engine.Metrics);
        var prompts = fixture.Reference.Prompts;

        experts.HoldNextStep();
        var running = engine.GenerateToEndAsync(Greedy(prompts[0].InputIds));
        await experts.Paused.WaitAsync(Limit); // the first request is in the batch, its first step held
        var queued = Enumerable.Range(1, maxQueued).Select(i => engine.GenerateToEndAsync(Greedy(prompts[i].InputIds))).ToList();

        await using (var refused = engine.GenerateAsync(Greedy(prompts[3].InputIds)).GetAsyncEnumerator())
        {
            var e = await Assert.ThrowsAsync<EngineOverloadedException>(async () => await refused.MoveNextAsync());
            Assert.InRange(e.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        }
        Assert.Equal(maxQueued, observed.QueueDepth);
        Assert.Equal(1, observed.RunningSequences);
        Assert.Equal(1, observed.Rejected("overloaded"));

        experts.Resume();
        Assert.Equal(prompts[0].GreedyTokens, (await running.WaitAsync(Limit)).GeneratedIds);
        for (int i = 0; i < queued.Count; i++)
            Assert.Equal(prompts[i + 1].GreedyTokens, (await queued[i].WaitAsync(Limit)).GeneratedIds);
        // Room again: the refused request now runs, with the tokens it would have had.
        Assert.Equal(prompts[3].GreedyTokens, (await engine.GenerateToEndAsync(Greedy(prompts[3].InputIds)).WaitAsync(Limit)).GeneratedIds);
    }

    [Fact]
    public async Task A_cancelled_request_leaves_the_batch_at_the_next_step_and_its_expert_rows_stop()
    {
        var (model, experts) = Counted();
        using var _ = model;
        await using var engine = new InferenceEngine(model);
        using var observed = new EngineMetricsReader(engine.Metrics);
        int k = fixture.Config.NumExpertsPerTok;
        var prompts = fixture.Reference.Prompts;
        using var cancel = new CancellationTokenSource();
        using var tokenRead = new SemaphoreSlim(0);

        await HoldAStepAsync(engine, experts, prompts[3].InputIds);
        var other = engine.GenerateToEndAsync(Greedy(prompts[0].InputIds));
        var cancelledRun = ReadThreeTokensAndCancel(); // runs until its first await: the request is queued now
        await PrefillTogetherAsync(experts);
        await experts.StepWithReaderAsync(tokenRead, WhenCancelled(cancel.Token), Limit);
        await experts.Paused.WaitAsync(Limit); // the other request keeps the engine stepping: a step is held now
        int stepsBeforeDrop = experts.RowsPerStep.Count; // the cancel landed before the held step ended: the next one drops it
        experts.Resume();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelledRun).WaitAsync(Limit);
        Assert.InRange(observed.RunningSequences, 0, 1); // its place is free the moment its stream ends
        Assert.Equal(1, observed.Finished("cancelled"));

        Assert.Equal(prompts[0].GreedyTokens, (await other.WaitAsync(Limit)).GeneratedIds);
        var rows = experts.RowsPerStep;
        Assert.Contains(2 * k, rows.Take(stepsBeforeDrop)); // two decoding sequences: 2 tokens × top-k rows
        var after = rows.Skip(stepsBeforeDrop).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, r => Assert.Equal(k, r)); // only the other request's token from then on
        var deadline = DateTime.UtcNow + Limit; // the loop counts its batch again just after the last token is out
        while (observed.RunningSequences != 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(0, observed.RunningSequences);

        async Task ReadThreeTokensAndCancel()
        {
            int seen = 0;
            await foreach (var e in engine.GenerateAsync(Greedy(prompts[2].InputIds, 1000), cancel.Token))
            {
                if (e is not TokenGenerated) continue;
                if (++seen == 3) await cancel.CancelAsync();
                tokenRead.Release();
            }
        }
    }

    [Fact]
    public async Task A_caller_that_stops_reading_gives_its_place_back()
    {
        var (model, experts) = Counted();
        using var _ = model;
        await using var engine = new InferenceEngine(model, options: new EngineOptions { MaxBatchSequences = 1, MaxQueuedRequests = 1 });
        using var observed = new EngineMetricsReader(engine.Metrics);
        var prompts = fixture.Reference.Prompts;
        using var tokenRead = new SemaphoreSlim(0);

        await HoldAStepAsync(engine, experts, prompts[3].InputIds);
        var reading = ReadOneTokenAndStop(); // runs until its first await: the request is queued now
        await PrefillTogetherAsync(experts);
        await experts.StepWithReaderAsync(tokenRead, reading, Limit);
        experts.Resume();

        var deadline = DateTime.UtcNow + Limit;
        while (observed.Finished("cancelled") == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(1, observed.Finished("cancelled"));
        Assert.Equal(0, observed.RunningSequences);
        Assert.Equal(prompts[0].GreedyTokens, (await engine.GenerateToEndAsync(Greedy(prompts[0].InputIds)).WaitAsync(Limit)).GeneratedIds);

        async Task ReadOneTokenAndStop()
        {
            await foreach (var e in engine.GenerateAsync(Greedy(prompts[1].InputIds, 1000)))
                if (e is TokenGenerated) break; // disposes the enumerator without cancelling anything: no token read
        }
    }

    /// <summary>
    /// Runs a one-token request and returns with its step held: requests queued before <see cref="PrefillTogetherAsync"/>
    /// are then all admitted to the next step. Otherwise the engine may start a step before the second of two is queued.
    /// </summary>
    internal static async Task HoldAStepAsync(InferenceEngine engine, CountingExperts experts, int[] primerPrompt)
    {
        experts.HoldNextStep();
        _ = engine.GenerateToEndAsync(Greedy(primerPrompt, 1)); // done when its step ends
        await experts.Paused.WaitAsync(Limit);
    }

    /// <summary>Lets the held step end and returns with the next one held: the one that prefills what was queued.</summary>
    internal static async Task PrefillTogetherAsync(CountingExperts experts)
    {
        experts.ResumeAndHoldNext();
        await experts.Paused.WaitAsync(Limit);
    }

    internal static Task WhenCancelled(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }
}
