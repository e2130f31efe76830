using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x (int16 codes [T, K'], one scale per row); one row r of a quantized W.

/// <summary>One W row against every row of x, four rows at a time, then two, then one, with the widest rows this CPU runs.</summary>
internal static unsafe class QuantRows
{
    /// <summary>out[t·outStride] = x[t] · W[r] for t in 0..T−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Against<TQ>(QuantizedMatrix w, int r, short* x, float* xs, int t, float* output, long outStride) where TQ : struct, IQuantFormat
    {
        int k = w.ActivationRowLength, pairs = w.PaddedGroups / 2; // x rows: codes, then group sums at + PaddedColumns
        byte* codes = w.Codes + r * w.RowCodeBytes;
        float* sw = w.Scales + (long)r * w.PaddedGroups;
        bool wide = QuantDot512Kernel.Enabled;
        int i = 0;
        for (; i + 4 <= t; i += 4)
        {
            var four = wide
                ? QuantDot512Kernel.Row1x4<TQ>(codes, sw, x + (long)i * k, k, pairs)
                : QuantDotKernel.Row1x4<TQ>(codes, sw, x + (long)i * k, k, pairs);
            if (TQ.Offset != 0) four += Vector128.Create(
                Offset<TQ>(sw, x + (long)i * k, w), Offset<TQ>(sw, x + (long)(i + 1) * k, w),
                Offset<TQ>(sw, x + (long)(i + 2) * k, w), Offset<TQ>(sw, x + (long)(i + 3) * k, w));
            four *= Vector128.Load(xs + i);
            output[i * outStride] = four.GetElement(0);
            output[(i + 1) * outStride] = four.GetElement(1);
            output[(i + 2) * outStride] = four.GetElement(2);
            output[(i + 3) * outStride] = four.GetElement(3);
        }
        for (; i + 2 <= t; i += 2)
        {
            var (first, second) = wide
                ? QuantDot512Kernel.Row1x2<TQ>(codes, sw, x + (long)i * k, k, pairs)
                : QuantDotKernel.Row1x2<TQ>(codes, sw, x + (long)i * k, k, pairs);
            if (TQ.Offset != 0)
            {
                first += Offset<TQ>(sw, x + (long)i * k, w);
                second += Offset<TQ>(sw, x + (long)(i + 1) * k, w);
            }
            output[i * outStride] = xs[i] * first;
            output[(i + 1) * outStride] = xs[i + 1] * second;
        }
        for (; i < t; i++)
        {
            float dot = wide
                ? QuantDot512Kernel.Row1x1<TQ>(codes, sw, x + (long)i * k, pairs)
                : QuantDotKernel.Row1x1<TQ>(codes, sw, x + (long)i * k, pairs);
            if (TQ.Offset != 0) dot += Offset<TQ>(sw, x + (long)i * k, w);
            output[i * outStride] = xs[i] * dot;
        }
    }

    /// <summary>
    /// The codes' offset, taken out of the inner loop: the kernels multiply x by the stored codes q+o (q4: o = 8, so no
    /// subtraction per weight), and Σ_g d_g·((q+o)_g · x_g) − o·Σ_g d_g·Σx_g is the wanted Σ_g d_g·(q_g · x_g). The second
    /// sum runs over groups, not weights: 1/32 of the work, from the group sums <see cref="ActivationQuantizer"/> stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Offset<TQ>(float* sw, short* xRow, QuantizedMatrix w) where TQ : struct, IQuantFormat
    {
        float* sums = (float*)(xRow + w.PaddedColumns);
        int groups = w.PaddedGroups, g = 0;
        var acc = Vector256<float>.Zero;
        for (; g + 8 <= groups; g += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(sw + g), Vector256.Load(sums + g), acc);
        float total = Vector256.Sum(acc);
        for (; g < groups; g++) total += sw[g] * sums[g];
        return -TQ.Offset * total;
    }
}
