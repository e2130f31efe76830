using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Q4"/>: 32 bytes per pair of groups, group g in the low nibbles and
/// group g+1 in the high nibbles, each stored as q+8. Zero-extended to int16 once, the low group is a mask away and the
/// high group a shift away.</summary>
public readonly unsafe struct Q4Codes : IQuantFormat
{
    public static int PairBytes => QuantizedMatrix.GroupSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> A0, Vector256<short> A1, Vector256<short> B0, Vector256<short> B1) Pair256(byte* codes)
    {
        var z0 = Avx2.ConvertToVector256Int16(codes); // vpmovzxbw: bytes 0..15
        var z1 = Avx2.ConvertToVector256Int16(codes + 16);
        var mask = Vector256.Create((short)0x0F);
        var eight = Vector256.Create((short)8);
        return ((z0 & mask) - eight, (z1 & mask) - eight,
            Avx2.ShiftRightLogical(z0, 4) - eight, Avx2.ShiftRightLogical(z1, 4) - eight);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<short> First, Vector512<short> Second) Pair512(byte* codes)
    {
        var z = Avx512BW.ConvertToVector512Int16(Vector256.Load(codes)); // vpmovzxbw: all 32 bytes
        var eight = Vector512.Create((short)8);
        return ((z & Vector512.Create((short)0x0F)) - eight, Avx512BW.ShiftRightLogical(z, 4) - eight);
    }
}
