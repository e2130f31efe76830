using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Model.Tests.Reference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Generation;

/// <summary>
/// Steps are counted by kind (prefill / decode) with the distinct experts their tokens chose: what a benchmark needs to
/// set each step against its own memory-bandwidth floor. Checked against the schedule the options imply and against the
/// routing a separate observer saw.
/// </summary>
[Collection(SharedTinyModel.Name)]
public sealed class StepKindMetricsTests(TinyModelFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task One_request_alone_has_its_prompt_chunks_as_prefill_steps_and_reads_top_k_experts_per_layer_per_decode_step()
    {
        const int chunk = 3, newTokens = 5;
        await using var engine = new InferenceEngine(fixture.Model, options: new EngineOptions { MaxPrefillTokensPerStep = chunk });
        using var observed = new EngineMetricsReader(engine.Metrics);
        int[] prompt = fixture.Reference.Prompts[0].InputIds;
        await engine.GenerateToEndAsync(new(prompt, new SamplingParams { DoSample = false, MaxNewTokens = newTokens })).WaitAsync(Limit);

        int prefillSteps = (prompt.Length + chunk - 1) / chunk; // the last chunk's step samples the first token
        Assert.Equal(prefillSteps, observed.StepsOf(EngineMetrics.PrefillStep));
        Assert.Equal(newTokens - 1, observed.StepsOf(EngineMetrics.DecodeStep));
        Assert.Equal(observed.Steps, observed.StepsOf(EngineMetrics.PrefillStep) + observed.StepsOf(EngineMetrics.DecodeStep));
        // One token goes to exactly k different experts in every layer.
        int layers = fixture.Config.NumHiddenLayers, k = fixture.Config.NumExpertsPerTok, experts = fixture.Config.NumLocalExperts;
        Assert.Equal((newTokens - 1) * layers * k, observed.ExpertReadsOf(EngineMetrics.DecodeStep));
        long prefillReads = observed.ExpertReadsOf(EngineMetrics.PrefillStep);
        Assert.InRange(prefillReads, prefillSteps * layers * k, prefillSteps * layers * experts);
        var byKind = observed.StepTimeOf(EngineMetrics.PrefillStep) + observed.StepTimeOf(EngineMetrics.DecodeStep);
        Assert.True(byKind > TimeSpan.Zero);
        Assert.Equal(observed.StepTime.TotalSeconds, byKind.TotalSeconds, tolerance: 1e-6); // sums of TimeSpans: not exact in the 6th decimal
    }

    [Fact]
    public async Task Sequences_decoding_together_count_each_expert_a_layer_runs_once_per_step()
    {
        var routing = new DistinctExpertsSeen();
        await using var engine = new InferenceEngine(fixture.Model) { StepObserver = routing };
        using var observed = new EngineMetricsReader(engine.Metrics);
        var prompts = fixture.Reference.Prompts;
        await Task.WhenAll(prompts.Select(p => engine.GenerateToEndAsync(
            new(p.InputIds, new SamplingParams { DoSample = false, MaxNewTokens = 6 })))).WaitAsync(Limit);

        Assert.Equal(routing.Total, observed.ExpertReadsOf(EngineMetrics.PrefillStep) + observed.ExpertReadsOf(EngineMetrics.DecodeStep));
        Assert.True(observed.StepsOf(EngineMetrics.DecodeStep) > 0);
        // Several tokens per decode step share experts: fewer reads than tokens × k, never fewer than k per layer.
        long decodeReads = observed.ExpertReadsOf(EngineMetrics.DecodeStep), decodeSteps = observed.StepsOf(EngineMetrics.DecodeStep);
        Assert.InRange(decodeReads, decodeSteps * fixture.Config.NumHiddenLayers * fixture.Config.NumExpertsPerTok,
            decodeSteps * fixture.Config.NumHiddenLayers * fixture.Config.NumLocalExperts);
    }

    /// <summary>Counts the distinct expert ids of every (step, layer) routing it is shown.</summary>
    private sealed class DistinctExpertsSeen : IForwardObserver
    {
        public long Total { get; private set; }

        public void OnRouting(int layer, Tensor expertIds, Tensor weights)
        {
            using var ids = expertIds.cpu();
            Total += ids.data<long>().ToArray().Distinct().Count();
        }
    }
}
