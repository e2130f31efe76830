using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x (int16 codes [T, K'], one scale per row); one row r of a quantized W.

/// <summary>One W row against every row of x, four rows at a time, then two, then one, with the widest rows this CPU runs.</summary>
internal static unsafe class QuantRows
{
    /// <summary>out[t·outStride] = x[t] · W[r] for t in 0..T−1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Against(QuantizedMatrix w, int r, short* x, float* xs, int t, float* output, long outStride)
    {
        int k = w.ActivationRowLength, pairs = w.PaddedGroups / 2;
        byte* codes = w.Codes + r * w.RowCodeBytes;
        float* sw = w.Scales + (long)r * w.PaddedGroups;
        bool wide = QuantDot512Kernel.Enabled;
        int i = 0;
        for (; i + 4 <= t; i += 4)
        {
            var four = wide
                ? QuantDot512Kernel.Row1x4(codes, sw, x + (long)i * k, k, pairs)
                : QuantDotKernel.Row1x4(codes, sw, x + (long)i * k, k, pairs);
            four *= Vector128.Load(xs + i);
            output[i * outStride] = four.GetElement(0);
            output[(i + 1) * outStride] = four.GetElement(1);
            output[(i + 2) * outStride] = four.GetElement(2);
            output[(i + 3) * outStride] = four.GetElement(3);
        }
        for (; i + 2 <= t; i += 2)
        {
            var (first, second) = wide
                ? QuantDot512Kernel.Row1x2(codes, sw, x + (long)i * k, k, pairs)
                : QuantDotKernel.Row1x2(codes, sw, x + (long)i * k, k, pairs);
            output[i * outStride] = xs[i] * first;
            output[(i + 1) * outStride] = xs[i + 1] * second;
        }
        for (; i < t; i++)
        {
            float dot = wide
                ? QuantDot512Kernel.Row1x1(codes, sw, x + (long)i * k, pairs)
                : QuantDotKernel.Row1x1(codes, sw, x + (long)i * k, pairs);
            output[i * outStride] = xs[i] * dot;
        }
    }
}
