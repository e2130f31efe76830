using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

/// <summary>
/// How the quantized kernels read one format's codes as signed bytes. Struct type arguments, as with
/// <see cref="Kernels.IWeightFormat"/>: the JIT compiles one copy of each kernel per format with the unpacking inlined.
/// </summary>
public unsafe interface IQuantFormat
{
    /// <summary>Bytes of codes per group of 32 weights.</summary>
    static abstract int GroupBytes { get; }

    /// <summary>The 32 weights of the group at <paramref name="codes"/>, as signed values in element order.</summary>
    static abstract Vector256<sbyte> Group(byte* codes);

    /// <summary>Two consecutive groups (64 weights) in element order (AVX-512).</summary>
    static abstract Vector512<sbyte> GroupPair(byte* codes);
}
