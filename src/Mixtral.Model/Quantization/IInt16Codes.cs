using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

/// <summary>
/// How the int16 kernels (<see cref="QuantDotKernel"/>, x as int16) read a format's codes, a pair of groups (64 weights)
/// at a time, widened to int16 for vpmaddwd. Struct type arguments, as with <see cref="Kernels.IWeightFormat"/>: the JIT
/// compiles one copy of each kernel per format with the unpacking inlined. Int8 weights use them; q4 has kernels of its
/// own (<see cref="Q4Kernel"/>).
/// </summary>
public unsafe interface IInt16Codes
{
    /// <summary>Bytes of codes per pair of groups.</summary>
    static abstract int PairBytes { get; }

    /// <summary>The pair at <paramref name="codes"/> as four AVX2 vectors: group g elements 0..15 and 16..31, then group g+1's.</summary>
    static abstract (Vector256<short> A0, Vector256<short> A1, Vector256<short> B0, Vector256<short> B1) Pair256(byte* codes);

    /// <summary>The pair as two AVX-512 vectors: group g, group g+1.</summary>
    static abstract (Vector512<short> First, Vector512<short> Second) Pair512(byte* codes);
}
