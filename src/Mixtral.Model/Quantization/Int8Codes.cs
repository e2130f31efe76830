using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

/// <summary><see cref="Inference.ExpertWeightFormat.Int8"/>: one signed byte per weight, read as it is.</summary>
public readonly unsafe struct Int8Codes : IQuantFormat
{
    public static int GroupBytes => QuantizedMatrix.GroupSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Group(byte* codes) => Vector256.Load((sbyte*)codes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<sbyte> GroupPair(byte* codes) => Vector512.Load((sbyte*)codes);
}
