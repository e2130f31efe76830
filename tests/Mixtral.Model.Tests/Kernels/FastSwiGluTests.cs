using Mixtral.Model.Layers;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using static Mixtral.Model.Tests.Kernels.FastLinearTests;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>The fused gate/up kernel against silu(x·W1ᵀ) ⊙ (x·W3ᵀ) computed by LibTorch.</summary>
[Collection(KernelSwitchesGroup.Name)]
public sealed class FastSwiGluTests
{
    /// <summary>I odd (the kernel takes rows in pairs), D not a multiple of 8, the `mid` preset's widths, and a D whose rows of x
    /// leave L1 from two rows on (the register blocks).</summary>
    public static TheoryData<int, int> Shapes => new() { { 1, 8 }, { 7, 13 }, { 32, 64 }, { 101, 40 }, { 3584, 1024 }, { 10, 2100 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_silu_gate_times_up(int i, int d)
    {
        using var w1 = Random([i, d], i + d);
        using var w3 = Random([i, d], 2 * (i + d));
        using var layer = GateUpProjection.Fuse(w1, w3);
        var fused = FastSwiGlu.For(layer.Weight, i, layer.PairsInterleaved);
        Assert.NotNull(fused);
        foreach (bool wide in WideBlockSettings)
        {
            using var setting = WideBlocks(wide);
            foreach (int t in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 32 })
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

    /// <summary>Float32 weights: past 32 rows the AVX2 kernel refuses (LibTorch does it), the AVX-512 blocks take them.</summary>
    [Fact]
    public void Rows_past_the_avx2_range_go_to_LibTorch_and_avx512_takes_them()
    {
        using var w1 = Random([6, 8], 1);
        using var w3 = Random([6, 8], 2);
        using var x = Random([FastLinear.MaxRows + 1, 8], 3);
        using var layer = GateUpProjection.Fuse(w1, w3);
        var kernel = FastSwiGlu.For(layer.Weight, 6, layer.PairsInterleaved)!;
        foreach (bool wide in WideBlockSettings)
        {
            using var setting = WideBlocks(wide);
            Assert.Equal(wide, kernel.TryForward(x, out var a));
            a?.Dispose();
        }
    }

    [Fact]
    public void Mismatched_gate_and_up_are_refused_with_both_shapes_named()
    {
        using var w1 = Random([6, 8], 1);
        using var w3 = Random([5, 8], 2);
        var error = Assert.Throws<ArgumentException>(() => GateUpProjection.Fuse(w1, w3));
        Assert.Contains("[6, 8]", error.Message);
        Assert.Contains("[5, 8]", error.Message);
    }

    /// <summary>The fused layer keeps W1 and W3 only in its [2I, D] layout: both come back out of it exactly, and its LibTorch
    /// path (GPU, long prompts) gives LibTorch's silu(x·W1ᵀ) ⊙ (x·W3ᵀ) on the separate matrices.</summary>
    [Theory]
    [InlineData(6, 8)]
    [InlineData(7, 13)]
    public void The_fused_layout_holds_gate_and_up_and_its_LibTorch_path_matches(int i, int d)
    {
        using var w1 = Random([i, d], 11);
        using var w3 = Random([i, d], 12);
        using var layer = GateUpProjection.Fuse(w1, w3);
        Assert.Equal(i % 2 == 0, layer.PairsInterleaved);
        using (var gate = layer.Gate()) Assert.True(gate.equal(w1).all().item<bool>());
        using (var up = layer.Up()) Assert.True(up.equal(w3).all().item<bool>());
        using var x = Random([FastLinear.MaxRows + 3, d], 13); // past the kernel's rows: LibTorch
        using var expected = nn.functional.silu(nn.functional.linear(x, w1)) * nn.functional.linear(x, w3);
        using var actual = layer.Forward(x);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    private static Tensor Bound(Tensor x, Tensor w) =>
        nn.functional.linear(x.abs(), w.abs()) * (2.0 * w.shape[1] * KernelTolerance.UnitRoundoff);
}
