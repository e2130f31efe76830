using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static Mixtral.Model.Tests.Kernels.FastLinearTests;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// Attention on the CPU kernels (RoPE, cache write, scores, softmax, weighted sum) against the LibTorch path, step by
/// step over a prefill and decode steps of two sequences of different lengths, with grouped-query heads, with and without
/// a sliding window that the decode steps run past.
/// </summary>
public sealed class AttentionKernelTests
{
    /// <summary>Outputs are O(1) (weights scaled by 1/√D); the paths differ in the order of sums of at most 64 terms
    /// and in exp's last bit, so 1e-5 is a few hundred units of roundoff.</summary>
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData(null)]
    [InlineData(5)]
    public void Kernel_path_equals_torch_path(int? slidingWindow)
    {
        var config = new MixtralConfig
        {
            VocabSize = 10, HiddenSize = 64, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 8,
            NumKeyValueHeads = 2, HeadDim = 8, NumLocalExperts = 2, NumExpertsPerTok = 1, SlidingWindow = slidingWindow,
        };
        using var rope = new RotaryEmbedding(config.HeadDim, config.RopeTheta, CPU);
        using var attention = new Attention(0, new AttentionWeights(Projection(64, 64, 1), Projection(16, 64, 2), Projection(16, 64, 3),
            Projection(64, 64, 4)), config, rope);
        var kernelCaches = new[] { new KvCache(config, CPU, ScalarType.Float32), new KvCache(config, CPU, ScalarType.Float32) };
        var torchCaches = new[] { new KvCache(config, CPU, ScalarType.Float32), new KvCache(config, CPU, ScalarType.Float32) };
        try
        {
            int[] lengths = [3, 6]; // prompts within the kernel's query limit
            for (int step = 0; step < 10; step++)
            {
                var counts = step == 0 ? lengths : [1, 1];
                using var x = Random([counts.Sum(), 64], 100 + step);
                var kernelBatch = Batch(kernelCaches, counts);
                var torchBatch = Batch(torchCaches, counts);
                using var positions = tensor(kernelBatch.FlatPositions());
                using var actual = attention.Forward(x, kernelBatch, positions);
                Tensor expected;
                using (CpuKernels.Suspend()) expected = attention.Forward(x, torchBatch, positions);
                using (expected) KernelTolerance.AssertClose(expected, actual, Tolerance, $"step {step}, window {slidingWindow}");
                for (int s = 0; s < 2; s++)
                {
                    kernelCaches[s].Commit(counts[s]);
                    torchCaches[s].Commit(counts[s]);
                }
            }
        }
        finally
        {
            foreach (var c in kernelCaches.Concat(torchCaches)) c.Dispose();
        }
    }

    private static TokenBatch Batch(KvCache[] caches, int[] counts) =>
        new([.. caches.Select((c, i) => new SequenceChunk(c, [.. Enumerable.Repeat(0, counts[i])]))]);

    private static Linear Projection(int outFeatures, int inFeatures, int seed)
    {
        using var w = Random([outFeatures, inFeatures], seed);
        return new Linear(w / Math.Sqrt(inFeatures));
    }
}
