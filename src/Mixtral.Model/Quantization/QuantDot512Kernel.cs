using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: as QuantDotKernel; one group (32 weights) per 512-bit vector of int16.

/// <summary>
/// <see cref="QuantDotKernel"/>'s rows with AVX-512BW: a whole group per vpmaddwd, half the instructions per weight, and
/// each group's scale broadcast straight from memory into its multiply-add.
/// </summary>
public static unsafe class QuantDot512Kernel
{
    public static bool IsSupported => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Whether the quantized kernels use these rows: on where supported; tests turn it off to cover the AVX2 rows.</summary>
    public static bool Enabled { get; set; } = IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1(byte* w, float* sw, short* x, int pairs)
    {
        Vector512<float> a = default, b = default;
        for (int p = 0; p < pairs; p++)
        {
            byte* codes = w + p * Int8Codes.PairBytes;
            Sse.Prefetch0(codes + QuantDotKernel.PrefetchBytes);
            var (first, second) = Int8Codes.Pair512(codes);
            a = Avx512F.FusedMultiplyAdd(Products(first, x + p * 64), Vector512.Create(sw[2 * p]), a);
            b = Avx512F.FusedMultiplyAdd(Products(second, x + p * 64 + 32), Vector512.Create(sw[2 * p + 1]), b);
        }
        return Vector512.Sum(a + b);
    }

    /// <summary>One row of W against two rows of x: <see cref="QuantDotKernel.Row1x2"/> with a group per instruction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float, float) Row1x2(byte* w, float* sw, short* x, long xStride, int pairs)
    {
        Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default;
        short* x1 = x + xStride;
        for (int p = 0; p < pairs; p++)
        {
            var (first, second) = Int8Codes.Pair512(w + p * Int8Codes.PairBytes);
            var da = Vector512.Create(sw[2 * p]);
            var db = Vector512.Create(sw[2 * p + 1]);
            int j = p * 64;
            a0 = Avx512F.FusedMultiplyAdd(Products(first, x + j), da, a0);
            b0 = Avx512F.FusedMultiplyAdd(Products(second, x + j + 32), db, b0);
            a1 = Avx512F.FusedMultiplyAdd(Products(first, x1 + j), da, a1);
            b1 = Avx512F.FusedMultiplyAdd(Products(second, x1 + j + 32), db, b1);
        }
        return (Vector512.Sum(a0 + b0), Vector512.Sum(a1 + b1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4(byte* w, float* sw, short* x, long xStride, int pairs)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        short* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (int p = 0; p < pairs; p++)
        {
            byte* codes = w + p * Int8Codes.PairBytes;
            Sse.Prefetch0(codes + QuantDotKernel.PrefetchBytes);
            var (first, second) = Int8Codes.Pair512(codes);
            var da = Vector512.Create(sw[2 * p]);
            var db = Vector512.Create(sw[2 * p + 1]);
            int j = p * 64;
            c0 = Avx512F.FusedMultiplyAdd(Products(first, x + j), da, c0);
            c0 = Avx512F.FusedMultiplyAdd(Products(second, x + j + 32), db, c0);
            c1 = Avx512F.FusedMultiplyAdd(Products(first, x1 + j), da, c1);
            c1 = Avx512F.FusedMultiplyAdd(Products(second, x1 + j + 32), db, c1);
            c2 = Avx512F.FusedMultiplyAdd(Products(first, x2 + j), da, c2);
            c2 = Avx512F.FusedMultiplyAdd(Products(second, x2 + j + 32), db, c2);
            c3 = Avx512F.FusedMultiplyAdd(Products(first, x3 + j), da, c3);
            c3 = Avx512F.FusedMultiplyAdd(Products(second, x3 + j + 32), db, c3);
        }
        return Vector128.Create(Vector512.Sum(c0), Vector512.Sum(c1), Vector512.Sum(c2), Vector512.Sum(c3));
    }

    /// <summary>A group's 32 products in sixteen int32 pair sums (vpmaddwd), as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(Vector512<short> w, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(w, Vector512.Load(x)));
}
