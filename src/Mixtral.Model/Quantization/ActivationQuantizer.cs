using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, K columns (a multiple of 32), K' ≥ K the padded row length of the codes.

/// <summary>
/// Rows of x quantized to int16 with one scale per row (<see cref="GroupQuantizer.Int16"/>'s rule), so the int8 kernels
/// multiply integers (vpmaddwd: int8 weights widened to int16, times x) and scale each group by the weight's scale alone.
/// Why not int8 x, as llama.cpp's Q8_0 activations: on the tiny fixture int8 x doubled the experts' error and cost a point
/// of routing agreement, while int16 x costs the same instructions per weight (two vpmaddwd per 32 weights instead of
/// vpmaddubsw + vpmaddwd + sign fix-ups). Done once per product on the calling thread: T·K values, tiny beside the weights.
/// Vectorised (AVX2) with the scalar rule's exact arithmetic: the same scale, the same products v·(1/d), the same
/// round-to-nearest-even, so both give the same codes.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    /// <summary>x [T, K] → rows of <paramref name="rowLength"/> int16: codes [K'] (zeros past K); and scales [T].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(float* x, int rows, int k, int paddedK, int rowLength, short* codes, float* scales)
    {
        for (int t = 0; t < rows; t++)
        {
            float* v = x + (long)t * k;
            short* q = codes + (long)t * rowLength;
            scales[t] = Avx2.IsSupported ? Row(v, k, q) : GroupQuantizer.Int16(v, k, q);
            new Span<short>(q + k, paddedK - k).Clear();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Row(float* v, int k, short* q)
    {
        var max = Vector256<float>.Zero;
        for (int j = 0; j < k; j += 8) max = Vector256.Max(max, Vector256.Abs(Avx.LoadVector256(v + j)));
        var m4 = Sse.Max(max.GetLower(), max.GetUpper());
        m4 = Sse.Max(m4, Sse.Shuffle(m4, m4, 0b01_00_11_10));
        m4 = Sse.Max(m4, Sse.Shuffle(m4, m4, 0b10_11_00_01));
        float d = m4.ToScalar() / 32767f, inverse = d == 0 ? 0 : 1f / d;
        var s = Vector256.Create(inverse);
        for (int j = 0; j < k; j += 16)
        {
            // cvtps2dq rounds to nearest, ties to even; packssdw interleaves 128-bit lanes, vpermq puts them back in order.
            var packed = Avx2.PackSignedSaturate(Avx.ConvertToVector256Int32(Avx.LoadVector256(v + j) * s), Avx.ConvertToVector256Int32(Avx.LoadVector256(v + j + 8) * s));
            Avx2.Permute4x64(packed.AsInt64(), 0b11_01_10_00).AsInt16().Store(q + j);
        }
        return d;
    }
}
