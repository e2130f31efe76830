using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: G groups of 32 along a row; one row of W (codes w, scales sw) against rows of x (int8 codes, scales xs).

/// <summary>
/// Dot products of a quantized W row with int8-quantized rows of x, 32 weights at a time in integer arithmetic:
/// Σ_g sw[g]·xs[g]·(w_g · x_g). The byte products use llama.cpp's sign trick on AVX2 (vpmaddubsw multiplies unsigned by
/// signed bytes, so |w| meets x with w's sign moved onto it; |w| ≤ 127 and |x| ≤ 127 keep the pair sums inside int16),
/// or one vpdpbusd where the CPU has AVX-VNNI. Each group's integer sum is converted once and scaled by sw·xs in a
/// fused multiply-add. Four rows of x share each unpacked W group, so a batch reads and unpacks W once per four rows.
/// The AVX-512 versions (<see cref="QuantDot512Kernel"/>) take two groups per instruction.
/// </summary>
public static unsafe class QuantDotKernel
{
    /// <summary>How far ahead of its loads the W stream is prefetched (bytes).</summary>
    private const int PrefetchBytes = 512;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Whether the AVX-VNNI instruction is used where the CPU has it; tests turn it off to cover the AVX2 form too.</summary>
    public static bool VnniEnabled { get; set; } = AvxVnni.IsSupported;

    /// <summary>One row of W against one row of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1<TQ>(byte* w, float* sw, sbyte* x, float* xs, int from, int groups) where TQ : struct, IQuantFormat
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> acc = default;
        for (int g = from; g < groups; g++)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var wg = TQ.Group(codes);
            var uw = Avx2.Abs(wg);
            acc = Fma.MultiplyAdd(Products(uw, wg, Avx.LoadVector256(x + g * 32), vnni), Vector256.Create(sw[g] * xs[g]), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>One row of W against four rows of x (<paramref name="xStride"/> codes and <paramref name="sStride"/> scales
    /// apart): [x0·w, x1·w, x2·w, x3·w].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4<TQ>(byte* w, float* sw, sbyte* x, float* xs, long xStride, long sStride, int from, int groups)
        where TQ : struct, IQuantFormat
    {
        bool vnni = VnniEnabled && AvxVnni.IsSupported;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        sbyte* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        float* s1 = xs + sStride, s2 = s1 + sStride, s3 = s2 + sStride;
        for (int g = from; g < groups; g++)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var wg = TQ.Group(codes);
            var uw = Avx2.Abs(wg);
            float d = sw[g];
            int j = g * 32;
            a0 = Fma.MultiplyAdd(Products(uw, wg, Avx.LoadVector256(x + j), vnni), Vector256.Create(d * xs[g]), a0);
            a1 = Fma.MultiplyAdd(Products(uw, wg, Avx.LoadVector256(x1 + j), vnni), Vector256.Create(d * s1[g]), a1);
            a2 = Fma.MultiplyAdd(Products(uw, wg, Avx.LoadVector256(x2 + j), vnni), Vector256.Create(d * s2[g]), a2);
            a3 = Fma.MultiplyAdd(Products(uw, wg, Avx.LoadVector256(x3 + j), vnni), Vector256.Create(d * s3[g]), a3);
        }
        return Kernels.DotKernel.Sum4(a0, a1, a2, a3);
    }

    /// <summary>The 32 byte products of a group in eight int32 partial sums, as floats (exact: |sum| ≤ 4·127·127).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Products(Vector256<byte> uw, Vector256<sbyte> w, Vector256<sbyte> x, bool vnni)
    {
        var sx = Avx2.Sign(x, w); // x with w's sign (0 where w is 0, where |w| is 0 too)
        var sums = vnni
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, uw, sx)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(uw, sx), Vector256.Create((short)1));
        return Avx.ConvertToVector256Single(sums);
    }
}
