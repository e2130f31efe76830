using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x as Q4Activations lays them out; one row r of a q4 W.

/// <summary>One q4 W row against every row of x, four rows at a time, then two, then one. AVX2 on every CPU: a 512-bit
/// form (a pair per vpmaddubsw, built and measured 2026-11-30 on the AVX-512 EPYC, `kernels`, alternated with this one in
/// one process) was level at one row and 7–21% slower at 2–8 rows: Zen 4 splits 512-bit operations in two, and the
/// pair's two nibble halves had to be joined first.</summary>
internal static unsafe class Q4Rows
{
    /// <summary>out[t·outStride] = x[t] · W[r] for t in 0..T−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Against(QuantizedMatrix w, int r, byte* x, int t, float* output, long outStride)
    {
        int stride = Q4Activations.RowBytes(w), sums = Q4Activations.SumsOffset(w), scales = Q4Activations.ScalesOffset(w);
        int groups = w.PaddedGroups;
        byte* codes = w.Codes + r * w.RowCodeBytes;
        sbyte* s = w.SubScales + (long)r * w.SubScaleStride;
        float* d = w.BlockScales + (long)r * w.Blocks;
        int i = 0;
        for (; i + 4 <= t; i += 4)
        {
            byte* xi = x + (long)i * stride;
            var four = Q4Kernel.Rows<Kernels.FourRowsOfX>(codes, s, d, xi, stride, groups, sums, scales);
            output[i * outStride] = four.GetElement(0);
            output[(i + 1) * outStride] = four.GetElement(1);
            output[(i + 2) * outStride] = four.GetElement(2);
            output[(i + 3) * outStride] = four.GetElement(3);
        }
        for (; i + 2 <= t; i += 2)
        {
            byte* xi = x + (long)i * stride;
            var two = Q4Kernel.Rows<Kernels.TwoRowsOfX>(codes, s, d, xi, stride, groups, sums, scales);
            output[i * outStride] = two.GetElement(0);
            output[(i + 1) * outStride] = two.GetElement(1);
        }
        for (; i < t; i++)
            output[i * outStride] = Q4Kernel.Row1x1(codes, s, d, x + (long)i * stride, groups, sums, scales);
    }
}
