using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: as QuantDotKernel; one group (32 weights) per 512-bit vector of int16, two groups per step.

/// <summary>
/// <see cref="QuantDotKernel"/>'s rows with AVX-512BW: a whole group per vpmaddwd, half the instructions per weight,
/// which is what a 4-bit row needs to keep up with memory. An odd last group goes through the AVX2 row.
/// </summary>
public static unsafe class QuantDot512Kernel
{
    private const int PrefetchBytes = 512;

    public static bool IsSupported => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Whether the quantized kernels use these rows: on where supported; tests turn it off to cover the AVX2 rows.</summary>
    public static bool Enabled { get; set; } = IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1<TQ>(byte* w, float* sw, short* x, float* xs, int groups) where TQ : struct, IQuantFormat
    {
        Vector512<float> a = default, b = default;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var (first, second) = TQ.GroupPair(codes);
            a = Avx512F.FusedMultiplyAdd(Products(first, x + g * 32), Vector512.Create(sw[g] * xs[g]), a);
            b = Avx512F.FusedMultiplyAdd(Products(second, x + g * 32 + 32), Vector512.Create(sw[g + 1] * xs[g + 1]), b);
        }
        float sum = Vector512.Sum(a + b);
        return g < groups ? sum + QuantDotKernel.Row1x1<TQ>(w, sw, x, xs, g, groups) : sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4<TQ>(byte* w, float* sw, short* x, float* xs, long xStride, long sStride, int groups)
        where TQ : struct, IQuantFormat
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        short* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        float* s1 = xs + sStride, s2 = s1 + sStride, s3 = s2 + sStride;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var (first, second) = TQ.GroupPair(codes);
            float d0 = sw[g], d1 = sw[g + 1];
            int j = g * 32;
            a0 = Avx512F.FusedMultiplyAdd(Products(first, x + j), Vector512.Create(d0 * xs[g]), a0);
            a0 = Avx512F.FusedMultiplyAdd(Products(second, x + j + 32), Vector512.Create(d1 * xs[g + 1]), a0);
            a1 = Avx512F.FusedMultiplyAdd(Products(first, x1 + j), Vector512.Create(d0 * s1[g]), a1);
            a1 = Avx512F.FusedMultiplyAdd(Products(second, x1 + j + 32), Vector512.Create(d1 * s1[g + 1]), a1);
            a2 = Avx512F.FusedMultiplyAdd(Products(first, x2 + j), Vector512.Create(d0 * s2[g]), a2);
            a2 = Avx512F.FusedMultiplyAdd(Products(second, x2 + j + 32), Vector512.Create(d1 * s2[g + 1]), a2);
            a3 = Avx512F.FusedMultiplyAdd(Products(first, x3 + j), Vector512.Create(d0 * s3[g]), a3);
            a3 = Avx512F.FusedMultiplyAdd(Products(second, x3 + j + 32), Vector512.Create(d1 * s3[g + 1]), a3);
        }
        var sums = Vector128.Create(Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
        return g < groups ? sums + QuantDotKernel.Row1x4<TQ>(w, sw, x, xs, xStride, sStride, g, groups) : sums;
    }

    /// <summary>A group's 32 products in sixteen int32 pair sums (vpmaddwd), as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(Vector512<short> w, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(w, Vector512.Load(x)));
}
