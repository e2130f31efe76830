using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Q4"/>: 32 bytes per pair of groups, group g in the low nibbles and
/// group g+1 in the high nibbles, each stored as q+8. Zero-extended to int16 once, the low group is a mask away and the
/// high group a shift away; the +8 stays (<see cref="Offset"/>): subtracting it per weight cost four of the 27 AVX2
/// instructions per 64 weights of a single-row product, and it comes out once per group instead (in float32, after the loop).</summary>
public readonly unsafe struct Q4Codes : IQuantFormat
{
    public static int Offset => 8;

    public static int PairBytes => QuantizedMatrix.GroupSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> A0, Vector256<short> A1, Vector256<short> B0, Vector256<short> B1) Pair256(byte* codes)
    {
        var z0 = Avx2.ConvertToVector256Int16(codes); // vpmovzxbw: bytes 0..15
        var z1 = Avx2.ConvertToVector256Int16(codes + 16);
        var mask = Vector256.Create((short)0x0F);
        return (z0 & mask, z1 & mask, Avx2.ShiftRightLogical(z0, 4), Avx2.ShiftRightLogical(z1, 4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<short> First, Vector512<short> Second) Pair512(byte* codes)
    {
        var z = Avx512BW.ConvertToVector512Int16(Vector256.Load(codes)); // vpmovzxbw: all 32 bytes
        return (z & Vector512.Create((short)0x0F), Avx512BW.ShiftRightLogical(z, 4));
    }
}
