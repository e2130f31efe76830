using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

// Legend: K inner length; x float32 rows, W rows in the format TW.

/// <summary>
/// The AVX-512 forms of <see cref="DotKernel"/>'s products: the register block for two to six rows of x against four rows
/// of W (up to 24 512-bit accumulators of 32 registers, each W load feeding one FMA per row of x), and the one-row
/// product that reads W's rows one after the other (<see cref="Row{TW}"/>).
/// </summary>
public static unsafe partial class Dot512Kernel
{

    private const int Lanes = 16; // floats per Vector512

    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Whether the kernels use this block: on where supported; tests turn it off to cover the AVX2 blocks too.</summary>
    public static bool Enabled { get; set; } = IsSupported;

    /// <summary>Rows x0..x3 (each <paramref name="xStride"/> floats apart) against W rows w0..w3; <paramref name="next"/> as
    /// in <see cref="Block{TW, TN}"/>.</summary>
    public static Block4x4 Block<TW>(float* x0, long xStride, byte* w0, byte* w1, byte* w2, byte* w3, int k, long next = 0, long after = 0) where TW : struct, IWeightFormat =>
        Block<TW, FourRowsOfX>(x0, xStride, w0, w1, w2, w3, k, next, after).FirstFour;

    /// <summary>
    /// The first TN.Count (2 to 6) rows x0.. (each <paramref name="xStride"/> floats apart) against W rows w0..w3 in one
    /// pass: up to 24 512-bit accumulators, each W load feeding one FMA per row of x and each x load four; the JIT drops
    /// the rows past the count, whose results are zero. Five or six rows in one pass rather than four and a second pass
    /// from cache: more FMAs per load, and memory never idles while a second pass runs. (The FMAs stay written out row by
    /// row: a helper taking the accumulators by reference made the JIT spill them, 5–16 rows at half the speed.)
    /// </summary>
    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Block4x6 Block<TW, TN>(float* x0, long xStride, byte* w0, byte* w1, byte* w2, byte* w3, int k, long next = 0, long after = 0)
        where TW : struct, IWeightFormat where TN : struct, IRowCount
    {
        float* x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride, x4 = x3 + xStride, x5 = x4 + xStride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default; // x0 · w0..w3
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default; // x1
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default; // x2
        Vector512<float> d0 = default, d1 = default, d2 = default, d3 = default; // x3
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default; // x4
        Vector512<float> f0 = default, f1 = default, f2 = default, f3 = default; // x5
        int j = 0;
        long ahead = DotKernel.PrefetchBytes / TW.ElementSize;
        for (; j + Lanes <= k; j += Lanes)
        {
            Sse.Prefetch0(w0 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w1 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w2 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w3 + (j + ahead) * TW.ElementSize);
            if (next != 0) IntoL2(w0, w1, w2, w3, next + j * TW.ElementSize);
            if (after != 0) IntoL2(w0, w1, w2, w3, after + j * TW.ElementSize);
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
            if (TN.Count > 2)
            {
                x = Vector512.Load(x2 + j);
                c0 = Avx512F.FusedMultiplyAdd(v0, x, c0);
                c1 = Avx512F.FusedMultiplyAdd(v1, x, c1);
                c2 = Avx512F.FusedMultiplyAdd(v2, x, c2);
                c3 = Avx512F.FusedMultiplyAdd(v3, x, c3);
            }
            if (TN.Count > 3)
            {
                x = Vector512.Load(x3 + j);
                d0 = Avx512F.FusedMultiplyAdd(v0, x, d0);
                d1 = Avx512F.FusedMultiplyAdd(v1, x, d1);
                d2 = Avx512F.FusedMultiplyAdd(v2, x, d2);
                d3 = Avx512F.FusedMultiplyAdd(v3, x, d3);
            }
            if (TN.Count > 4)
            {
                x = Vector512.Load(x4 + j);
                e0 = Avx512F.FusedMultiplyAdd(v0, x, e0);
                e1 = Avx512F.FusedMultiplyAdd(v1, x, e1);
                e2 = Avx512F.FusedMultiplyAdd(v2, x, e2);
                e3 = Avx512F.FusedMultiplyAdd(v3, x, e3);
            }
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
        var r2 = TN.Count > 2 ? Sum4(c0, c1, c2, c3) : Vector128<float>.Zero;
        var r3 = TN.Count > 3 ? Sum4(d0, d1, d2, d3) : Vector128<float>.Zero;
        var r4 = TN.Count > 4 ? Sum4(e0, e1, e2, e3) : Vector128<float>.Zero;
        var r5 = TN.Count > 5 ? Sum4(f0, f1, f2, f3) : Vector128<float>.Zero;
        if (j < k)
        {
            r0 += DotKernel.Block4x1Tail<TW>(x0, w0, w1, w2, w3, j, k);
            r1 += DotKernel.Block4x1Tail<TW>(x1, w0, w1, w2, w3, j, k);
            if (TN.Count > 2) r2 += DotKernel.Block4x1Tail<TW>(x2, w0, w1, w2, w3, j, k);
            if (TN.Count > 3) r3 += DotKernel.Block4x1Tail<TW>(x3, w0, w1, w2, w3, j, k);
            if (TN.Count > 4) r4 += DotKernel.Block4x1Tail<TW>(x4, w0, w1, w2, w3, j, k);
            if (TN.Count > 5) r5 += DotKernel.Block4x1Tail<TW>(x5, w0, w1, w2, w3, j, k);
        }
        return new Block4x6(r0, r1, r2, r3, r4, r5);
    }

    /// <summary>x · w over K elements: <see cref="DotKernel.Row{TW}"/> with 512-bit vectors (64 elements per step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row<TW>(float* x, byte* w, int k) where TW : struct, IWeightFormat
    {
        Vector512<float> a = default, b = default, c = default, d = default;
        int j = 0;
        for (; j + 4 * Lanes <= k; j += 4 * Lanes)
        {
            a = Avx512F.FusedMultiplyAdd(TW.Load16(w, j), Vector512.Load(x + j), a);
            b = Avx512F.FusedMultiplyAdd(TW.Load16(w, j + Lanes), Vector512.Load(x + j + Lanes), b);
            c = Avx512F.FusedMultiplyAdd(TW.Load16(w, j + 2 * Lanes), Vector512.Load(x + j + 2 * Lanes), c);
            d = Avx512F.FusedMultiplyAdd(TW.Load16(w, j + 3 * Lanes), Vector512.Load(x + j + 3 * Lanes), d);
        }
        for (; j + Lanes <= k; j += Lanes)
            a = Avx512F.FusedMultiplyAdd(TW.Load16(w, j), Vector512.Load(x + j), a);
        float sum = Vector512.Sum((a + b) + (c + d));
        for (; j < k; j++) sum += x[j] * TW.Load1(w, j);
        return sum;
    }

    /// <summary>Asks for the line <paramref name="at"/> bytes past each of four W rows into L2 (a block further on).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void IntoL2(byte* w0, byte* w1, byte* w2, byte* w3, long at)
    {
        Sse.Prefetch1(w0 + at);
        Sse.Prefetch1(w1 + at);
        Sse.Prefetch1(w2 + at);
        Sse.Prefetch1(w3 + at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d) =>
        DotKernel.Sum4(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper(), c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
}
