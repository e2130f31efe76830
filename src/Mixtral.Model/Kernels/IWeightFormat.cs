using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

/// <summary>
/// How the kernels read weights of one element type into float32 lanes. The kernels are generic over it (a struct type
/// argument, so the JIT compiles one specialised copy per format with the loads inlined): float32 weights are loaded as
/// they are; bfloat16 weights, the checkpoint's own format, are widened exactly (a bf16 value is the top half of a float32),
/// so a product over bf16 weights reads half the bytes and gives bit for bit what the same product over the float32
/// copy gives.
/// </summary>
public unsafe interface IWeightFormat
{
    static abstract int ElementSize { get; }

    /// <summary>Elements j..j+7 of a row.</summary>
    static abstract Vector256<float> Load8(byte* row, long j);

    /// <summary>Elements j..j+15 of a row (AVX-512).</summary>
    static abstract Vector512<float> Load16(byte* row, long j);

    static abstract float Load1(byte* row, long j);
}
