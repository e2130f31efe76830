using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: G groups of 32 along a row; one row of W (codes w, scales sw) against rows of x (int16 codes, scales xs).

/// <summary>
/// Dot products of a quantized W row with int16-quantized rows of x, 32 weights at a time in integer arithmetic:
/// Σ_g sw[g]·xs[g]·(w_g · x_g). The codes widen to int16 as they load (int8: vpmovsxbw from memory; q4: mask, shift and
/// vpmovzxbw), two vpmaddwd give the group's eight int32 partial sums (exact: |w| ≤ 128, |x| ≤ 32767), or two vpdpwssd
/// where the CPU has AVX-VNNI; each group's sums are converted once and scaled by sw·xs in a fused multiply-add. Four
/// rows of x share each unpacked W group, so a batch reads and unpacks W once per four rows. The AVX-512 versions
/// (<see cref="QuantDot512Kernel"/>) take twice the weights per instruction.
/// </summary>
public static unsafe class QuantDotKernel
{
    /// <summary>How far ahead of its loads the W stream is prefetched (bytes).</summary>
    private const int PrefetchBytes = 512;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether the AVX-VNNI instruction is used where the CPU has it; tests turn it off to cover the AVX2 form too.</summary>
    public static bool VnniEnabled { get; set; } = AvxVnni.IsSupported;

    /// <summary>One row of W against one row of x, groups <paramref name="from"/>..G−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1<TQ>(byte* w, float* sw, short* x, float* xs, int from, int groups) where TQ : struct, IQuantFormat
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> acc = default;
        for (int g = from; g < groups; g++)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var (low, high) = TQ.Group(codes);
            acc = Fma.MultiplyAdd(Products(low, high, x + g * 32, vnni), Vector256.Create(sw[g] * xs[g]), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>One row of W against four rows of x (<paramref name="xStride"/> codes and <paramref name="sStride"/> scales
    /// apart), groups <paramref name="from"/>..G−1: [x0·w, x1·w, x2·w, x3·w].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4<TQ>(byte* w, float* sw, short* x, float* xs, long xStride, long sStride, int from, int groups)
        where TQ : struct, IQuantFormat
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        short* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        float* s1 = xs + sStride, s2 = s1 + sStride, s3 = s2 + sStride;
        for (int g = from; g < groups; g++)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var (low, high) = TQ.Group(codes);
            float d = sw[g];
            int j = g * 32;
            a0 = Fma.MultiplyAdd(Products(low, high, x + j, vnni), Vector256.Create(d * xs[g]), a0);
            a1 = Fma.MultiplyAdd(Products(low, high, x1 + j, vnni), Vector256.Create(d * s1[g]), a1);
            a2 = Fma.MultiplyAdd(Products(low, high, x2 + j, vnni), Vector256.Create(d * s2[g]), a2);
            a3 = Fma.MultiplyAdd(Products(low, high, x3 + j, vnni), Vector256.Create(d * s3[g]), a3);
        }
        return Kernels.DotKernel.Sum4(a0, a1, a2, a3);
    }

    /// <summary>The 32 products of a group in eight int32 partial sums, as floats.</summary>
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
