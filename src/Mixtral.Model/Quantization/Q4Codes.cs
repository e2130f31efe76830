using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Q4"/>: 16 bytes per group, low nibbles elements 0..15, high nibbles
/// 16..31, each stored as q+8. Unpacked with one shift, one mask and one subtract per 32 weights.</summary>
public readonly unsafe struct Q4Codes : IQuantFormat
{
    public static int GroupBytes => QuantizedMatrix.GroupSize / 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Group(byte* codes)
    {
        var bytes = Vector128.Load(codes);
        var both = Vector256.Create(bytes, Sse2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte()) & Vector256.Create((byte)0x0F);
        return both.AsSByte() - Vector256.Create((sbyte)8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<sbyte> GroupPair(byte* codes)
    {
        var bytes = Vector256.Load(codes); // [group g: 16 bytes | group g+1: 16 bytes]
        var high = Avx2.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte();
        var pair = Vector512.Create(Vector256.Create(bytes.GetLower(), high.GetLower()), Vector256.Create(bytes.GetUpper(), high.GetUpper()));
        return (pair & Vector512.Create((byte)0x0F)).AsSByte() - Vector512.Create((sbyte)8);
    }
}
