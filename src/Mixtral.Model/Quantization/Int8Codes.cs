using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Int8"/>: one signed byte per weight, sign-extended as it loads (vpmovsxbw);
/// x as int16 codes with one scale per row (<see cref="ActivationQuantizer"/>).</summary>
public readonly unsafe struct Int8Codes : IQuantFormat
{
    public static void QuantizeActivations(float* x, int rows, QuantizedMatrix w, short* codes, float* scales) =>
        ActivationQuantizer.Quantize(x, rows, w.Columns, w.PaddedColumns, w.ActivationRowLength, codes, scales);

    public static void Against(QuantizedMatrix w, int r, short* x, float* xs, int t, float* output, long outStride) =>
        QuantRows.Against(w, r, x, xs, t, output, outStride);

    /// <summary>Bytes of codes per pair of groups.</summary>
    public static int PairBytes => 2 * QuantizedMatrix.GroupSize;

    /// <summary>A pair of groups as four AVX2 vectors of int16: group g elements 0..15 and 16..31, then group g+1's.</summary>

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> A0, Vector256<short> A1, Vector256<short> B0, Vector256<short> B1) Pair256(byte* codes) =>
        (Avx2.ConvertToVector256Int16((sbyte*)codes), Avx2.ConvertToVector256Int16((sbyte*)codes + 16),
         Avx2.ConvertToVector256Int16((sbyte*)codes + 32), Avx2.ConvertToVector256Int16((sbyte*)codes + 48));

    /// <summary>The pair as two AVX-512 vectors: group g, group g+1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<short> First, Vector512<short> Second) Pair512(byte* codes) =>
        (Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)codes)), Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)codes + 32)));
}
