using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Q4"/>: 16 bytes per group, low nibbles elements 0..15, high nibbles
/// 16..31, each stored as q+8. Unpacked with a shift, two masks, two zero-extensions and two subtracts per 32 weights.</summary>
public readonly unsafe struct Q4Codes : IQuantFormat
{
    public static int GroupBytes => QuantizedMatrix.GroupSize / 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> Low, Vector256<short> High) Group(byte* codes)
    {
        var bytes = Vector128.Load(codes);
        var mask = Vector128.Create((byte)0x0F);
        var eight = Vector256.Create((short)8);
        return (Avx2.ConvertToVector256Int16(bytes & mask) - eight,
            Avx2.ConvertToVector256Int16(Sse2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask) - eight);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<short> First, Vector512<short> Second) GroupPair(byte* codes)
    {
        var bytes = Vector256.Load(codes); // [group g: 16 bytes | group g+1: 16 bytes]
        var high = Avx2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte();
        var mask = Vector256.Create((byte)0x0F);
        var eight = Vector512.Create((short)8);
        var first = Vector256.Create(bytes.GetLower(), high.GetLower()) & mask; // elements 0..15, 16..31 of group g
        var second = Vector256.Create(bytes.GetUpper(), high.GetUpper()) & mask;
        return (Avx512BW.ConvertToVector512Int16(first) - eight, Avx512BW.ConvertToVector512Int16(second) - eight);
    }
}
