using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static Mixtral.Model.Tests.Kernels.FastLinearTests;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>RMSNorm and RoPE on the CPU kernels against the same layers on LibTorch alone.</summary>
public sealed class NormAndRopeKernelTests
{
    [Theory]
    [InlineData(1, 8)]
    [InlineData(3, 13)]
    [InlineData(8, 1024)]
    public void RmsNorm_equals_the_torch_formula(int rows, int d)
    {
        using var weight = Random([d], 1);
        using var x = Random([rows, d], 2);
        using var norm = new RmsNorm(weight.alias(), 1e-5);
        using var actual = norm.Forward(x);
        Tensor expected;
        using (CpuKernels.Suspend()) expected = norm.Forward(x);
        using (expected)
        {
            // The mean of squares is a sum of D terms in another order (relative error ≤ D·u), which the
            // reciprocal square root halves; the two roundings of the products add 2u.
            using var bound = expected.abs() * ((d + 4) * KernelTolerance.UnitRoundoff) + 1e-30;
            using var error = (actual - expected).abs();
            Assert.True((error <= bound).all().item<bool>(), $"RMSNorm [{rows}, {d}] differs from LibTorch beyond the bound");
        }
    }

    [Theory]
    [InlineData(4, 64)] // the model's head width: the vector path
    [InlineData(3, 6)] // half = 3: the scalar tail
    public void Rope_in_place_equals_the_torch_rotation_exactly(int heads, int headDim)
    {
        using var rope = new RotaryEmbedding(headDim, 1e6, CPU);
        long[] positions = [0, 1, 7, 300, 2];
        using var x = Random([positions.Length, heads * headDim], 3);
        using var positionTensor = tensor(positions);
        Tensor expected;
        using (CpuKernels.Suspend())
        using (var view = x.view(positions.Length, heads, headDim))
        using (var rotated = rope.Apply(view, positionTensor, positions.Max()))
            expected = rotated.reshape(positions.Length, heads * headDim);
        using var actual = x.clone();
        rope.ApplyInPlace(actual, positions);
        using (expected)
            KernelTolerance.AssertClose(expected, actual, 0, "RoPE"); // same products, same roundings, same sums
    }
}
