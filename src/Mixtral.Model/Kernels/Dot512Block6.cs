using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

/// <summary>The dot products of five or six rows of x with four rows of W: row i of x against W rows 0..3 in Ri.</summary>
public readonly record struct Block4x6(Vector128<float> R0, Vector128<float> R1, Vector128<float> R2, Vector128<float> R3, Vector128<float> R4, Vector128<float> R5);

public readonly struct FiveRowsOfX : IRowCount
{
    public static int Count => 5;
}

public readonly struct SixRowsOfX : IRowCount
{
    public static int Count => 6;
}

public static unsafe partial class Dot512Kernel
{
    /// <summary>
    /// Five or six rows of x (<paramref name="xStride"/> floats apart) against four rows of W in ONE pass: 24 512-bit
    /// accumulators, each W load feeding six FMAs and each x load four. Five to eight rows are where a decode step's
    /// products turn compute-bound on two cores; the 4×4 block and a second pass for the rest load more per FMA and leave
    /// memory idle while the second pass runs from cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Block4x6 Block6<TW, TN>(float* x0, long xStride, byte* w0, byte* w1, byte* w2, byte* w3, int k)
        where TW : struct, IWeightFormat where TN : struct, IRowCount
    {
        float* x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default;
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default;
        int j = 0;
        long ahead = DotKernel.PrefetchBytes / TW.ElementSize; // as the 4×4 block: f32 five and six rows +5%, bf16 +5–10%
        for (; j + Lanes <= k; j += Lanes)
        {
            Sse.Prefetch0(w0 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w1 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w2 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w3 + (j + ahead) * TW.ElementSize);
            var v0 = TW.Load16(w0, j);
            var v1 = TW.Load16(w1, j);
            var v2 = TW.Load16(w2, j);
            var v3 = TW.Load16(w3, j);
            var x = Vector512.Load(x0 + j);
            a0 = Avx512F.FusedMultiplyAdd(v0, x, a0);
            a1 = Avx512F.FusedMultiplyAdd(v1, x, a1);
            a2 = Avx512F.FusedMultiplyAdd(v2, x, a2);
            a3 = Avx512F.FusedMultiplyAdd(v3, x, a3);
            x = Vector512.Load(x1 + j);
            b0 = Avx512F.FusedMultiplyAdd(v0, x, b0);
            b1 = Avx512F.FusedMultiplyAdd(v1, x, b1);
            b2 = Avx512F.FusedMultiplyAdd(v2, x, b2);
            b3 = Avx512F.FusedMultiplyAdd(v3, x, b3);
            x = Vector512.Load(x2 + j);
            c0 = Avx512F.FusedMultiplyAdd(v0, x, c0);
            c1 = Avx512F.FusedMultiplyAdd(v1, x, c1);
            c2 = Avx512F.FusedMultiplyAdd(v2, x, c2);
            c3 = Avx512F.FusedMultiplyAdd(v3, x, c3);
            x = Vector512.Load(x3 + j);
            d0 = Avx512F.FusedMultiplyAdd(v0, x, d0);
            d1 = Avx512F.FusedMultiplyAdd(v1, x, d1);
            d2 = Avx512F.FusedMultiplyAdd(v2, x, d2);
            d3 = Avx512F.FusedMultiplyAdd(v3, x, d3);
            x = Vector512.Load(x4 + j);
            e0 = Avx512F.FusedMultiplyAdd(v0, x, e0);
            e1 = Avx512F.FusedMultiplyAdd(v1, x, e1);
            e2 = Avx512F.FusedMultiplyAdd(v2, x, e2);
            e3 = Avx512F.FusedMultiplyAdd(v3, x, e3);
            if (TN.Count > 5)
            {
                x = Vector512.Load(x5 + j);
                f0 = Avx512F.FusedMultiplyAdd(v0, x, f0);
                f1 = Avx512F.FusedMultiplyAdd(v1, x, f1);
                f2 = Avx512F.FusedMultiplyAdd(v2, x, f2);
                f3 = Avx512F.FusedMultiplyAdd(v3, x, f3);
            }
        }
        var r0 = Sum4(a0, a1, a2, a3);
        var r1 = Sum4(b0, b1, b2, b3);
        var r2 = Sum4(c0, c1, c2, c3);
        var r3 = Sum4(d0, d1, d2, d3);
        var r4 = Sum4(e0, e1, e2, e3);
        var r5 = TN.Count > 5 ? Sum4(f0, f1, f2, f3) : Vector128<float>.Zero;
        if (j < k)
        {
            r0 += DotKernel.Block4x1Tail<TW>(x0, w0, w1, w2, w3, j, k);
            r1 += DotKernel.Block4x1Tail<TW>(x1, w0, w1, w2, w3, j, k);
            r2 += DotKernel.Block4x1Tail<TW>(x2, w0, w1, w2, w3, j, k);
            r3 += DotKernel.Block4x1Tail<TW>(x3, w0, w1, w2, w3, j, k);
            r4 += DotKernel.Block4x1Tail<TW>(x4, w0, w1, w2, w3, j, k);
            if (TN.Count > 5) r5 += DotKernel.Block4x1Tail<TW>(x5, w0, w1, w2, w3, j, k);
        }
        return new Block4x6(r0, r1, r2, r3, r4, r5);
    }
}
