using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>The few-row matrix kernel against LibTorch's linear, and the cases it must leave to LibTorch.</summary>
[Collection(KernelSwitchesGroup.Name)]
public sealed class FastLinearTests
{
    /// <summary>N and K around the kernel's blocking (4 rows of W, 8 and 16 floats of K), the model's real widths, a K
    /// whose rows of x no longer stay in L1 from two rows on (an expert's down projection), and a W of several 512 KB
    /// chunks with a last chunk that is not full (where each chunk's next-block prefetch stops).</summary>
    public static TheoryData<int, int> Shapes => new()
    {
        { 1, 1 }, { 3, 7 }, { 4, 8 }, { 5, 9 }, { 13, 33 }, { 8, 1024 }, { 257, 100 }, { 64, 1027 }, { 1024, 256 }, { 13, 3589 },
        { 604, 1024 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_torch_linear_for_every_row_count_up_to_33(int n, int k)
    {
        using var w = Random([n, k], n * 1000 + k);
        var fast = FastLinear.For(w);
        Assert.NotNull(fast);
        using var layer = new Linear(w.alias());
        foreach (bool wide in WideBlockSettings)
        {
            using var setting = WideBlocks(wide);
            for (int t = 1; t <= 33; t++)
            {
                using var x = Random([t, k], t);
                using var expected = nn.functional.linear(x, w);
                bool took = fast.TryForward(x, out var y);
                // 33 rows is past the AVX2 kernel's range for float32 weights (LibTorch does it); the AVX-512 blocks take any number.
                Assert.Equal(t <= FastLinear.MaxRows || wide, took);
                if (took)
                {
                    using (y) KernelTolerance.AssertLinearClose(expected, y, x, w, $"N={n} K={k} T={t} AVX-512 {wide}");
                }
                using var viaLayer = layer.Forward(x);
                KernelTolerance.AssertLinearClose(expected, viaLayer, x, w, $"Linear N={n} K={k} T={t}");
            }
        }
    }

    [Fact]
    public void Leading_dimensions_are_flattened_into_rows()
    {
        using var w = Random([20, 24], 1);
        using var x = Random([2, 3, 24], 2); // [2, 3, K] → [2, 3, N]
        Assert.True(FastLinear.For(w)!.TryForward(x, out var y));
        using (y)
        {
            using var expected = nn.functional.linear(x, w);
            Assert.Equal([2L, 3, 20], y.shape);
            KernelTolerance.AssertClose(expected, y, 1e-5, "3-D input");
        }
    }

    [Fact]
    public void Non_contiguous_input_falls_back_to_torch()
    {
        using var w = Random([16, 12], 3);
        using var stored = Random([12, 5], 4);
        using var x = stored.t(); // [5, 12], not contiguous
        Assert.False(x.is_contiguous());
        Assert.False(FastLinear.For(w)!.TryForward(x, out _));
        using var expected = nn.functional.linear(x, w);
        using var layer = new Linear(w.alias());
        using var actual = layer.Forward(x);
        KernelTolerance.AssertClose(expected, actual, 0, "non-contiguous input through Linear");
    }

    [Theory]
    [InlineData(40, 24)]
    [InlineData(13, 1027)]
    [InlineData(9, 3589)]
    [InlineData(12, 1000)]
    [InlineData(604, 1024)] // several chunks, cut at different rows for the two formats (chunks are sized in bytes)
    public void Bfloat16_weights_give_exactly_the_float32_result_for_any_row_count(int n, int k)
    {
        using var stored = Random([n, k], 9);
        using var bf16 = stored.to(ScalarType.BFloat16); // what a bf16 checkpoint holds
        using var widened = bf16.to(ScalarType.Float32); // what loading it as float32 gives
        var narrow = FastLinear.For(bf16)!;
        var wide = FastLinear.For(widened)!;
        Assert.True(narrow.AnyRows);
        foreach (bool wideBlocks in WideBlockSettings)
        {
            using var setting = WideBlocks(wideBlocks);
            foreach (int t in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 32, 33, 70 })
            {
                using var x = Random([t, k], t);
                Assert.True(narrow.TryForward(x, out var fromBf16));
                using (fromBf16)
                {
                    if (t <= FastLinear.MaxRows)
                    {
                        Assert.True(wide.TryForward(x, out var fromF32));
                        using (fromF32) KernelTolerance.AssertClose(fromF32, fromBf16, 0, $"bf16 vs f32 weights, T={t}"); // same products, same order
                    }
                    using var expected = nn.functional.linear(x, widened);
                    KernelTolerance.AssertLinearClose(expected, fromBf16, x, widened, $"bf16 weights vs torch, T={t}");
                }
            }
        }
    }

    [Fact]
    public void Half_precision_and_non_contiguous_weights_get_no_kernel()
    {
        using var w = Random([16, 12], 5);
        using var f16 = w.to(ScalarType.Float16);
        using var stored = Random([12, 16], 6);
        using var transposed = stored.t();
        Assert.Null(FastLinear.For(f16));
        Assert.Null(FastLinear.For(transposed));
    }

    [Fact]
    public void Bfloat16_weights_without_the_kernels_are_widened_for_torch()
    {
        using var stored = Random([16, 12], 10);
        using var bf16 = stored.to(ScalarType.BFloat16);
        using var widened = bf16.to(ScalarType.Float32);
        using var x = Random([3, 12], 11);
        using var layer = new Linear(bf16.alias());
        Tensor actual;
        using (CpuKernels.Suspend()) actual = layer.Forward(x);
        using (actual)
        {
            using var expected = nn.functional.linear(x, widened);
            Assert.Equal(ScalarType.Float32, actual.dtype);
            KernelTolerance.AssertClose(expected, actual, 0, "bf16 weight through LibTorch");
        }
    }

    [Fact]
    public void Suspended_kernels_leave_the_work_to_torch()
    {
        using var w = Random([16, 12], 7);
        using var x = Random([2, 12], 8);
        using (CpuKernels.Suspend())
            Assert.False(FastLinear.For(w)!.TryForward(x, out _));
        Assert.True(FastLinear.For(w)!.TryForward(x, out var y));
        y.Dispose();
    }

    /// <summary>The AVX2 blocks always; the AVX-512 block too where this CPU has it.</summary>
    internal static bool[] WideBlockSettings => Dot512Kernel.IsSupported ? [false, true] : [false];

    /// <summary>Turns the AVX-512 block on or off until disposed. Both settings compute within the same bound, so
    /// tests running alongside are not disturbed.</summary>
    internal static IDisposable WideBlocks(bool enabled)
    {
        bool previous = Dot512Kernel.Enabled;
        Dot512Kernel.Enabled = enabled;
        return new Restore(() => Dot512Kernel.Enabled = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>Standard normal values from a seeded generator of their own, so tests do not share random state.</summary>
    internal static Tensor Random(long[] shape, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn(shape, generator: generator);
    }
}
