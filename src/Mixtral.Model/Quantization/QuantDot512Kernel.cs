using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: as QuantDotKernel; a pair of groups (64 weights) per 512-bit vector.

/// <summary>
/// <see cref="QuantDotKernel"/>'s rows with AVX-512BW: two groups per instruction, half the instructions per weight, which
/// is what a 4-bit row needs to keep up with memory. AVX-512 has no vpsignb, so w's sign moves onto x with a compare
/// into a mask and a masked negate. An odd last group goes through the AVX2 row.
/// </summary>
public static unsafe class QuantDot512Kernel
{
    private const int PrefetchBytes = 512;

    public static bool IsSupported => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Whether the quantized kernels use these rows: on where supported; tests turn it off to cover the AVX2 rows.</summary>
    public static bool Enabled { get; set; } = IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1<TQ>(byte* w, float* sw, sbyte* x, float* xs, int groups) where TQ : struct, IQuantFormat
    {
        Vector512<float> acc = default;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var wg = TQ.GroupPair(codes);
            var uw = Avx512BW.Abs(wg);
            acc = Avx512F.FusedMultiplyAdd(Products(uw, wg, Vector512.Load(x + g * 32)), Scales(sw[g] * xs[g], sw[g + 1] * xs[g + 1]), acc);
        }
        float sum = Vector512.Sum(acc);
        return g < groups ? sum + QuantDotKernel.Row1x1<TQ>(w, sw, x, xs, g, groups) : sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4<TQ>(byte* w, float* sw, sbyte* x, float* xs, long xStride, long sStride, int groups)
        where TQ : struct, IQuantFormat
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        sbyte* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        float* s1 = xs + sStride, s2 = s1 + sStride, s3 = s2 + sStride;
        int g = 0;
        for (; g + 2 <= groups; g += 2)
        {
            byte* codes = w + g * TQ.GroupBytes;
            Sse.Prefetch0(codes + PrefetchBytes);
            var wg = TQ.GroupPair(codes);
            var uw = Avx512BW.Abs(wg);
            float d0 = sw[g], d1 = sw[g + 1];
            int j = g * 32;
            a0 = Avx512F.FusedMultiplyAdd(Products(uw, wg, Vector512.Load(x + j)), Scales(d0 * xs[g], d1 * xs[g + 1]), a0);
            a1 = Avx512F.FusedMultiplyAdd(Products(uw, wg, Vector512.Load(x1 + j)), Scales(d0 * s1[g], d1 * s1[g + 1]), a1);
            a2 = Avx512F.FusedMultiplyAdd(Products(uw, wg, Vector512.Load(x2 + j)), Scales(d0 * s2[g], d1 * s2[g + 1]), a2);
            a3 = Avx512F.FusedMultiplyAdd(Products(uw, wg, Vector512.Load(x3 + j)), Scales(d0 * s3[g], d1 * s3[g + 1]), a3);
        }
        var sums = Vector128.Create(Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
        return g < groups ? sums + QuantDotKernel.Row1x4<TQ>(w, sw, x, xs, xStride, sStride, g, groups) : sums;
    }

    /// <summary>Lanes 0..7 (group g) scaled by <paramref name="first"/>, lanes 8..15 (group g+1) by <paramref name="second"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Scales(float first, float second) => Vector512.Create(Vector256.Create(first), Vector256.Create(second));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(Vector512<byte> uw, Vector512<sbyte> w, Vector512<sbyte> x)
    {
        var sx = Vector512.ConditionalSelect(Vector512.LessThan(w, Vector512<sbyte>.Zero), -x, x); // x with w's sign (|x| ≤ 127: no overflow)
        var sums = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(uw, sx), Vector512.Create((short)1));
        return Avx512F.ConvertToVector512Single(sums);
    }
}
