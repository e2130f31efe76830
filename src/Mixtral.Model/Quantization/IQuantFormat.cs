using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

/// <summary>
/// How the quantized kernels read one format's codes, widened to int16 for vpmaddwd. Struct type arguments, as with
/// <see cref="Kernels.IWeightFormat"/>: the JIT compiles one copy of each kernel per format with the unpacking inlined.
/// </summary>
public unsafe interface IQuantFormat
{
    /// <summary>Bytes of codes per group of 32 weights.</summary>
    static abstract int GroupBytes { get; }

    /// <summary>The 32 weights of the group at <paramref name="codes"/> as int16: elements 0..15, then 16..31.</summary>
    static abstract (Vector256<short> Low, Vector256<short> High) Group(byte* codes);

    /// <summary>Two consecutive groups (AVX-512): the 32 weights of the first, then of the second, as int16.</summary>
    static abstract (Vector512<short> First, Vector512<short> Second) GroupPair(byte* codes);
}
