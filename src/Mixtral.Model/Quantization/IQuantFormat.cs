using System.Runtime.Intrinsics;

namespace Mixtral.Model.Quantization;

/// <summary>
/// How the quantized kernels read one format's codes, a pair of groups (64 weights) at a time, widened to int16 for
/// vpmaddwd. Struct type arguments, as with <see cref="Kernels.IWeightFormat"/>: the JIT compiles one copy of each kernel
/// per format with the unpacking inlined.
/// </summary>
public unsafe interface IQuantFormat
{
    /// <summary>What the codes the kernels multiply add to each weight's q (q4 stores q+8 and multiplies it as it is; the
    /// kernels' callers subtract 8·Σ d·Σx per row, <see cref="QuantRows"/>); 0 for int8.</summary>
    static abstract int Offset { get; }

    /// <summary>Bytes of codes per pair of groups.</summary>
    static abstract int PairBytes { get; }

    /// <summary>The pair at <paramref name="codes"/> as four AVX2 vectors: group g elements 0..15 and 16..31, then group g+1's.</summary>
    static abstract (Vector256<short> A0, Vector256<short> A1, Vector256<short> B0, Vector256<short> B1) Pair256(byte* codes);

    /// <summary>The pair as two AVX-512 vectors: group g, group g+1.</summary>
    static abstract (Vector512<short> First, Vector512<short> Second) Pair512(byte* codes);
}
