using System.Diagnostics.Metrics;
using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;
using Mixtral.Model.Tests.Reference;

namespace Mixtral.Model.Tests.Generation;

/// <summary>The engine's instruments are its only record: what a reader sees matches what the requests did.</summary>
[Collection(SharedTinyModel.Name)]
public sealed class EngineMetricsTests(TinyModelFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Counters_and_histograms_add_up_to_what_the_requests_did()
    {
        await using var engine = new InferenceEngine(fixture.Model, options: new EngineOptions { MaxPrefillTokensPerStep = 16 });
        using var observed = new EngineMetricsReader(engine.Metrics);
        var prompts = fixture.Reference.Prompts;
        var results = await Task.WhenAll(prompts.Select(p => engine.GenerateToEndAsync(
            new(p.InputIds, new SamplingParams { DoSample = false, MaxNewTokens = 6 })))).WaitAsync(Limit);
        await Assert.ThrowsAsync<ContextLengthExceededException>(() => engine.GenerateToEndAsync(
            new([1, 2], new SamplingParams { MaxNewTokens = fixture.Config.MaxPositionEmbeddings })));

        int promptTokens = prompts.Sum(p => p.InputIds.Length);
        Assert.Equal(prompts.Count, observed.RequestsAdmitted);
        Assert.Equal(prompts.Count, observed.Finished("length"));
        Assert.Equal(1, observed.Rejected("context_length"));
        Assert.Equal(results.Sum(r => r.GeneratedTokens), observed.TokensGenerated);
        // Every prompt token once, and every generated token but the last fed back once.
        Assert.Equal(promptTokens + results.Sum(r => r.GeneratedTokens - 1), observed.TokensProcessed);
        // The router sends each token of each layer to top-k experts: per layer, the expert counts sum to tokens × k.
        for (int layer = 0; layer < fixture.Config.NumHiddenLayers; layer++)
            Assert.Equal(observed.TokensProcessed * fixture.Config.NumExpertsPerTok,
                Enumerable.Range(0, fixture.Config.NumLocalExperts).Sum(e => observed.ExpertTokens(layer, e)));
        Assert.True(observed.TimeToFirstToken(0.5) > TimeSpan.Zero);
        Assert.True(observed.InterTokenLatency(0.99) >= observed.InterTokenLatency(0.5));
        Assert.True(observed.StepTime > TimeSpan.Zero);
        Assert.Equal(0, observed.RunningSequences);
        Assert.Equal(0, observed.QueueDepth);
    }

    [Fact]
    public async Task A_listener_that_knows_only_the_meter_name_sees_the_instruments_with_units()
    {
        var seen = new Dictionary<string, string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == EngineMetrics.MeterName) lock (seen) seen[instrument.Name] = instrument.Unit;
            },
        };
        listener.Start();
        await using var engine = new InferenceEngine(fixture.Model);
        lock (seen)
        {
            Assert.Equal("s", seen[EngineMetrics.TimeToFirstTokenName]);
            Assert.Equal("s", seen[EngineMetrics.InterTokenLatencyName]);
            Assert.Equal("s", seen[EngineMetrics.StepDurationName]);
            Assert.Equal("{request}", seen[EngineMetrics.QueueDepthName]);
            Assert.Equal("{token}", seen[EngineMetrics.TokensGeneratedName]);
            Assert.Contains(EngineMetrics.RequestsRejectedName, seen.Keys);
            Assert.Contains(EngineMetrics.ExpertTokensName, seen.Keys);
        }
    }
}
