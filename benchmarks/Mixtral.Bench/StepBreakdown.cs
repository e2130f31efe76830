using System.Diagnostics;
using Mixtral.Model;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench;

/// <summary>Decode steps run straight on the model (no engine) with the step profiler on, sampling greedily per row.</summary>
public static class StepBreakdown
{
    public static async Task<Breakdown> MeasureAsync(MixtralModel model, int sequences, int steps, int promptLength)
    {
        var prompts = EngineRuns.Prompts(sequences, promptLength, model.Config.VocabSize, seed: 11);
        var caches = prompts.Select(_ => model.NewCache()).ToArray();
        var histories = prompts.Select(p => p.ToList()).ToArray();
        var samplers = prompts.Select(_ => new Sampler(SamplingParams.Greedy)).ToArray();
        var experts = new DistinctExperts();
        try
        {
            using var prefill = await model.ForwardAsync(new TokenBatch([.. caches.Select((c, i) => new SequenceChunk(c, prompts[i]))]));
            Sample(prefill, samplers, histories);
            StepProfiler.Start();
            long start = Stopwatch.GetTimestamp();
            for (int s = 0; s < steps; s++)
            {
                var batch = new TokenBatch([.. caches.Select((c, i) => new SequenceChunk(c, [histories[i][^1]]))]);
                using var logits = await model.ForwardAsync(batch, sequences > 1 ? experts : null); // batch 1 routes to exactly top-k
                using (StepProfiler.Enter(StepPhase.Sampling))
                    Sample(logits, samplers, histories);
            }
            var total = Stopwatch.GetElapsedTime(start);
            return new Breakdown(sequences, steps, total, StepProfiler.Stop(), sequences > 1 ? experts.PerLayer : model.Config.NumExpertsPerTok);
        }
        finally
        {
            if (StepProfiler.Enabled) StepProfiler.Stop();
            foreach (var c in caches) c.Dispose();
        }
    }

    private static void Sample(Tensor logits, Sampler[] samplers, List<int>[] histories) // logits [B, V]
    {
        for (int i = 0; i < samplers.Length; i++)
        {
            using var row = logits[i];
            histories[i].Add(samplers[i].Next(row, histories[i]));
        }
    }

    /// <summary>How many different experts each layer runs per step (batch 1: exactly top-k; larger batches: more).</summary>
    private sealed class DistinctExperts : IForwardObserver
    {
        private long _layers, _experts;

        public double PerLayer => _layers == 0 ? 0 : (double)_experts / _layers;

        public void OnRouting(int layer, Tensor expertIds, Tensor weights)
        {
            _layers++;
            _experts += expertIds.data<long>().ToArray().Distinct().Count();
        }
    }
}
