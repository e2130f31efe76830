using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, K columns (a multiple of 32), G = K / 32 groups per row.

/// <summary>
/// Rows of x quantized to int16 in groups of 32 (<see cref="GroupQuantizer.Int16"/>'s rule), so the kernels multiply
/// integers (vpmaddwd: int8/int4 weights widened to int16, times x). Why not int8 x, as llama.cpp's Q8_0 activations:
/// on the tiny fixture int8 x doubled the experts' error and cost a point of routing agreement, while int16 x costs
/// the same instructions per weight on AVX2 (two vpmaddwd instead of vpmaddubsw + vpmaddwd + two sign fix-ups).
/// Done once per product on the calling thread: T·K values, tiny beside the weights. Vectorised (AVX2) with the scalar
/// rule's exact arithmetic: the same scale, the same products v·(1/d), the same round-to-nearest-even.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    private const int N = QuantizedMatrix.GroupSize;

    /// <summary>x [T, K] → codes [T, K] and scales [T, G].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(float* x, int rows, int k, short* codes, float* scales)
    {
        int groups = k / N;
        for (long i = 0; i < (long)rows * groups; i++)
            scales[i] = Avx2.IsSupported ? Group(x + i * N, codes + i * N) : GroupQuantizer.Int16(x + i * N, codes + i * N);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Group(float* v, short* q)
    {
        var v0 = Avx.LoadVector256(v);
        var v1 = Avx.LoadVector256(v + 8);
        var v2 = Avx.LoadVector256(v + 16);
        var v3 = Avx.LoadVector256(v + 24);
        var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        var m4 = Sse.Max(max.GetLower(), max.GetUpper());
        m4 = Sse.Max(m4, Sse.Shuffle(m4, m4, 0b01_00_11_10));
        m4 = Sse.Max(m4, Sse.Shuffle(m4, m4, 0b10_11_00_01));
        float d = m4.ToScalar() / 32767f, inverse = d == 0 ? 0 : 1f / d;
        var s = Vector256.Create(inverse);
        // cvtps2dq rounds to nearest, ties to even; packssdw interleaves 128-bit lanes, vpermq puts them back in order.
        var low = Avx2.PackSignedSaturate(Avx.ConvertToVector256Int32(v0 * s), Avx.ConvertToVector256Int32(v1 * s));
        var high = Avx2.PackSignedSaturate(Avx.ConvertToVector256Int32(v2 * s), Avx.ConvertToVector256Int32(v3 * s));
        Avx2.Permute4x64(low.AsInt64(), 0b11_01_10_00).AsInt16().Store(q);
        Avx2.Permute4x64(high.AsInt64(), 0b11_01_10_00).AsInt16().Store(q + 16);
        return d;
    }
}
