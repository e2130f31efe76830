using Mixtral.Model.Experts;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static Mixtral.Model.Tests.Kernels.FastLinearTests;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>A whole dense expert, W2(silu(W1 x) ⊙ W3 x), against the same expression in float64 by LibTorch on the separate
/// matrices: for a decode-sized batch and for prompt-sized ones past 32 rows (which the AVX-512 blocks now take in passes
/// of 32, and AVX2 leaves to LibTorch), with and without the AVX-512 blocks, for an even and an odd I.</summary>
[Collection(KernelSwitchesGroup.Name)]
public sealed class ExpertWeightsTests
{
    [Theory]
    [InlineData(64, 48)]
    [InlineData(37, 40)]
    public void Equals_the_swiglu_expression_for_every_batch_size(int i, int d)
    {
        using var w1 = Random([i, d], 21);
        using var w2 = Random([d, i], 22);
        using var w3 = Random([i, d], 23);
        using var expert = new ExpertWeights(new Linear(w1.clone()), new Linear(w2.clone()), new Linear(w3.clone()));
        foreach (bool wide in WideBlockSettings)
        {
            using var setting = WideBlocks(wide);
            foreach (int n in new[] { 1, 3, 6, 32, 33, 70 })
            {
                using var scope = NewDisposeScope();
                var x = Random([n, d], n);
                var x64 = x.to(ScalarType.Float64);
                var expected = nn.functional.linear(
                    nn.functional.silu(nn.functional.linear(x64, w1.to(ScalarType.Float64))) * nn.functional.linear(x64, w3.to(ScalarType.Float64)),
                    w2.to(ScalarType.Float64));
                var actual = expert.Forward(x).to(ScalarType.Float64);
                var error = (actual - expected).abs().max().item<double>();
                var scale = expected.abs().max().item<double>();
                Assert.True(error <= 1e-5 * scale, $"I={i} D={d} n={n} AVX-512 {wide}: the expert is off by {error} (largest output {scale})");
            }
        }
    }
}
