using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static Mixtral.Model.Tests.Kernels.FastLinearTests;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>The fused gate/up kernel against silu(x·W1ᵀ) ⊙ (x·W3ᵀ) computed by LibTorch.</summary>
[Collection(KernelSwitchesGroup.Name)]
public sealed class FastSwiGluTests
{
    /// <summary>I odd (the kernel takes rows in pairs), D not a multiple of 8, and the `mid` preset's widths.</summary>
    public static TheoryData<int, int> Shapes => new() { { 1, 8 }, { 7, 13 }, { 32, 64 }, { 101, 40 }, { 3584, 1024 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_silu_gate_times_up(int i, int d)
    {
        using var w1 = Random([i, d], i + d);
        using var w3 = Random([i, d], 2 * (i + d));
        var fused = FastSwiGlu.For(w1, w3);
        Assert.NotNull(fused);
        foreach (bool wide in WideBlockSettings)
        {
            using var setting = WideBlocks(wide);
            foreach (int t in new[] { 1, 2, 3, 5, 8, 32 })
            {
                using var x = Random([t, d], t);
                using var gate = nn.functional.linear(x, w1);
                using var up = nn.functional.linear(x, w3);
                using var expected = nn.functional.silu(gate) * up;
                Assert.True(fused.TryForward(x, out var actual));
                using (actual)
                {
                    // Gate and up each carry the summation-order error; silu' ≤ 1.1 and the product scale it by |up| and |silu(gate)|.
                    using var gateBound = Bound(x, w1);
                    using var upBound = Bound(x, w3);
                    using var bound = gateBound * up.abs() * 1.1 + upBound * nn.functional.silu(gate).abs() + 1e-6 * expected.abs() + 1e-30;
                    using var error = (actual - expected).abs();
                    Assert.True((error <= bound).all().item<bool>(), $"I={i} D={d} T={t} AVX-512 {wide}: SwiGLU differs from LibTorch beyond the bound");
                }
            }
        }
    }

    [Fact]
    public void Rows_past_the_kernel_range_are_refused()
    {
        using var w1 = Random([6, 8], 1);
        using var w3 = Random([6, 8], 2);
        using var x = Random([FastLinear.MaxRows + 1, 8], 3);
        Assert.False(FastSwiGlu.For(w1, w3)!.TryForward(x, out _));
    }

    [Fact]
    public void Mismatched_shapes_get_no_kernel()
    {
        using var w1 = Random([6, 8], 1);
        using var w3 = Random([5, 8], 2);
        Assert.Null(FastSwiGlu.For(w1, w3));
    }

    private static Tensor Bound(Tensor x, Tensor w) =>
        nn.functional.linear(x.abs(), w.abs()) * (2.0 * w.shape[1] * KernelTolerance.UnitRoundoff);
}
