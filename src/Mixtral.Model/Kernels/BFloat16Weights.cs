using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

/// <summary>Bfloat16 weights (the checkpoint's own format), widened exactly: a bf16 value is the top half of a float32.</summary>
public readonly unsafe struct BFloat16Weights : IWeightFormat
{
    public static int ElementSize => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* row, long j) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)row + j), 16).AsSingle(); // zero-extend, then << 16

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* row, long j) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512Int32(Vector256.Load((ushort*)row + j)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, long j) => BitConverter.Int32BitsToSingle(((ushort*)row)[j] << 16);
}
