using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, K columns (a multiple of 32), G = K / 32 groups per row.

/// <summary>
/// Rows of x quantized to int8 in groups of 32 (<see cref="GroupQuantizer.Int8"/>'s rule), so the kernels multiply bytes
/// by bytes (llama.cpp quantizes activations to Q8_0 the same way). Done once per product on the calling thread: T·K
/// values, tiny beside the weights. Vectorised (AVX2) with the scalar rule's exact arithmetic: the same scale, the same
/// products v·(1/d), the same round-to-nearest-even, so both give the same codes.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    private const int N = QuantizedMatrix.GroupSize;

    /// <summary>x [T, K] → codes [T, K] and scales [T, G].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(float* x, int rows, int k, sbyte* codes, float* scales)
    {
        int groups = k / N;
        for (long i = 0; i < (long)rows * groups; i++)
            scales[i] = Avx2.IsSupported ? Group(x + i * N, codes + i * N) : GroupQuantizer.Int8(x + i * N, codes + i * N);
    }

    /// <summary>Order fix-up after the two in-lane packs: dwords [0,4,1,5,2,6,3,7] restore element order.</summary>
    private static readonly Vector256<int> Unshuffle = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Group(float* v, sbyte* q)
    {
        var v0 = Avx.LoadVector256(v);
        var v1 = Avx.LoadVector256(v + 8);
        var v2 = Avx.LoadVector256(v + 16);
        var v3 = Avx.LoadVector256(v + 24);
        var max = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        var m4 = Sse.Max(max.GetLower(), max.GetUpper());
        m4 = Sse.Max(m4, Sse.Shuffle(m4, m4, 0b01_00_11_10));
        m4 = Sse.Max(m4, Sse.Shuffle(m4, m4, 0b10_11_00_01));
        float d = m4.ToScalar() / 127f, inverse = d == 0 ? 0 : 1f / d;
        var s = Vector256.Create(inverse);
        var i0 = Avx.ConvertToVector256Int32(v0 * s); // cvtps2dq: round to nearest, ties to even
        var i1 = Avx.ConvertToVector256Int32(v1 * s);
        var i2 = Avx.ConvertToVector256Int32(v2 * s);
        var i3 = Avx.ConvertToVector256Int32(v3 * s);
        var packed = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
        Avx2.PermuteVar8x32(packed.AsInt32(), Unshuffle).AsSByte().Store(q);
        return d;
    }
}
