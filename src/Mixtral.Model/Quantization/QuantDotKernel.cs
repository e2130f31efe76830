using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: P pairs of groups along a row; one row of W (codes w, scales sw) against rows of x (int16 codes, one scale per row).

/// <summary>
/// Dot products of an int8 W row with int16-quantized rows of x, a pair of groups (64 weights) at a time in integer
/// arithmetic: Σ_g sw[g]·(w_g · x_g), times x's row scale afterwards. The codes widen to int16 as they load (vpmovsxbw
/// from memory, <see cref="Int8Codes"/>), two vpmaddwd give a group's eight int32 partial sums
/// (exact: |w| ≤ 128, |x| ≤ 32767), or two vpdpwssd where the CPU has AVX-VNNI; each group's sums are converted once and
/// scaled by sw[g] in one fused multiply-add. Four rows of x share each unpacked pair, so a batch reads and unpacks W once
/// per four rows. The AVX-512 versions (<see cref="QuantDot512Kernel"/>) take a whole group per instruction. q4 has
/// kernels of its own (<see cref="Q4Kernel"/>).
/// </summary>
public static unsafe class QuantDotKernel
{
    /// <summary>How far ahead of its loads the W stream is prefetched (bytes).</summary>
    internal const int PrefetchBytes = 512;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether the AVX-VNNI instruction is used where the CPU has it; tests turn it off to cover the AVX2 form too.</summary>
    public static bool VnniEnabled { get; set; } = AvxVnni.IsSupported;

    /// <summary>One row of W against one row of x (before x's scale).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1(byte* w, float* sw, short* x, int pairs)
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> a = default, b = default;
        for (int p = 0; p < pairs; p++)
        {
            byte* codes = w + p * Int8Codes.PairBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var (a0, a1, b0, b1) = Int8Codes.Pair256(codes);
            short* xp = x + p * 64;
            a = Fma.MultiplyAdd(Products(a0, a1, xp, vnni), Vector256.Create(sw[2 * p]), a);
            b = Fma.MultiplyAdd(Products(b0, b1, xp + 32, vnni), Vector256.Create(sw[2 * p + 1]), b);
        }
        return Vector256.Sum(a + b);
    }

    /// <summary>One row of W against two rows of x (<paramref name="xStride"/> codes apart): (x0·w, x1·w) before the rows'
    /// scales. Each pair is unpacked once for both rows (a batch's experts mostly see two or three rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float, float) Row1x2(byte* w, float* sw, short* x, long xStride, int pairs)
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default;
        short* x1 = x + xStride;
        for (int p = 0; p < pairs; p++)
        {
            var (lo0, hi0, lo1, hi1) = Int8Codes.Pair256(w + p * Int8Codes.PairBytes);
            var da = Vector256.Create(sw[2 * p]);
            var db = Vector256.Create(sw[2 * p + 1]);
            int j = p * 64;
            a0 = Fma.MultiplyAdd(Products(lo0, hi0, x + j, vnni), da, a0);
            b0 = Fma.MultiplyAdd(Products(lo1, hi1, x + j + 32, vnni), db, b0);
            a1 = Fma.MultiplyAdd(Products(lo0, hi0, x1 + j, vnni), da, a1);
            b1 = Fma.MultiplyAdd(Products(lo1, hi1, x1 + j + 32, vnni), db, b1);
        }
        return (Vector256.Sum(a0 + b0), Vector256.Sum(a1 + b1));
    }

    /// <summary>One row of W against four rows of x (<paramref name="xStride"/> codes apart): [x0·w, x1·w, x2·w, x3·w]
    /// before the rows' scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4(byte* w, float* sw, short* x, long xStride, int pairs)
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        short* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (int p = 0; p < pairs; p++)
        {
            byte* codes = w + p * Int8Codes.PairBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var (a0, a1, b0, b1) = Int8Codes.Pair256(codes);
            var da = Vector256.Create(sw[2 * p]);
            var db = Vector256.Create(sw[2 * p + 1]);
            int j = p * 64;
            c0 = Fma.MultiplyAdd(Products(a0, a1, x + j, vnni), da, c0);
            c0 = Fma.MultiplyAdd(Products(b0, b1, x + j + 32, vnni), db, c0);
            c1 = Fma.MultiplyAdd(Products(a0, a1, x1 + j, vnni), da, c1);
            c1 = Fma.MultiplyAdd(Products(b0, b1, x1 + j + 32, vnni), db, c1);
            c2 = Fma.MultiplyAdd(Products(a0, a1, x2 + j, vnni), da, c2);
            c2 = Fma.MultiplyAdd(Products(b0, b1, x2 + j + 32, vnni), db, c2);
            c3 = Fma.MultiplyAdd(Products(a0, a1, x3 + j, vnni), da, c3);
            c3 = Fma.MultiplyAdd(Products(b0, b1, x3 + j + 32, vnni), db, c3);
        }
        return Kernels.DotKernel.Sum4(c0, c1, c2, c3);
    }

    /// <summary>A group's 32 products in eight int32 partial sums, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Products(Vector256<short> low, Vector256<short> high, short* x, bool vnni)
    {
        var x0 = Avx.LoadVector256(x);
        var x1 = Avx.LoadVector256(x + 16);
        var sums = vnni
            ? AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, low, x0), high, x1)
            : Avx2.Add(Avx2.MultiplyAddAdjacent(low, x0), Avx2.MultiplyAddAdjacent(high, x1));
        return Avx.ConvertToVector256Single(sums);
    }
}
