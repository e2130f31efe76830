using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Int8"/>: one signed byte per weight, sign-extended as it loads (vpmovsxbw).</summary>
public readonly unsafe struct Int8Codes : IQuantFormat
{
    public static int Offset => 0;

    public static int PairBytes => 2 * QuantizedMatrix.GroupSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> A0, Vector256<short> A1, Vector256<short> B0, Vector256<short> B1) Pair256(byte* codes) =>
        (Avx2.ConvertToVector256Int16((sbyte*)codes), Avx2.ConvertToVector256Int16((sbyte*)codes + 16),
         Avx2.ConvertToVector256Int16((sbyte*)codes + 32), Avx2.ConvertToVector256Int16((sbyte*)codes + 48));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<short> First, Vector512<short> Second) Pair512(byte* codes) =>
        (Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)codes)), Avx512BW.ConvertToVector512Int16(Vector256.Load((sbyte*)codes + 32)));
}
