using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

/// <summary>Float32 weights, loaded as they are.</summary>
public readonly unsafe struct Float32Weights : IWeightFormat
{
    public static int ElementSize => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load8(byte* row, long j) => Vector256.Load((float*)row + j);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load16(byte* row, long j) => Vector512.Load((float*)row + j);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load1(byte* row, long j) => ((float*)row)[j];
}
