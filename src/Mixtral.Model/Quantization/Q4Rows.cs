using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x as Q4Activations lays them out; one row r of a q4 W.

/// <summary>One q4 W row against every row of x, four rows at a time, then two, then one, with the widest rows this CPU runs.</summary>
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
        bool wide = QuantDot512Kernel.Enabled;
        int i = 0;
        for (; i + 4 <= t; i += 4)
        {
            byte* xi = x + (long)i * stride;
            var four = wide
                ? Q4Kernel512.Row1x4(codes, s, d, xi, stride, groups, sums, scales)
                : Q4Kernel.Row1x4(codes, s, d, xi, stride, groups, sums, scales);
            output[i * outStride] = four.GetElement(0);
            output[(i + 1) * outStride] = four.GetElement(1);
            output[(i + 2) * outStride] = four.GetElement(2);
            output[(i + 3) * outStride] = four.GetElement(3);
        }
        for (; i + 2 <= t; i += 2)
        {
            byte* xi = x + (long)i * stride;
            var (first, second) = wide
                ? Q4Kernel512.Row1x2(codes, s, d, xi, stride, groups, sums, scales)
                : Q4Kernel.Row1x2(codes, s, d, xi, stride, groups, sums, scales);
            output[i * outStride] = first;
            output[(i + 1) * outStride] = second;
        }
        for (; i < t; i++)
            output[i * outStride] = wide
                ? Q4Kernel512.Row1x1(codes, s, d, x + (long)i * stride, groups, sums, scales)
                : Q4Kernel.Row1x1(codes, s, d, x + (long)i * stride, groups, sums, scales);
    }
}
