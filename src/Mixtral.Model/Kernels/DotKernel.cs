using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

// Legend: T rows of x, K inner length (in features), N rows of W (out features). Row-major, contiguous.
// TW: how W's elements are stored (IWeightFormat); x and y are always float32.

/// <summary>
/// Dot products of rows of x with rows of W, AVX2 + FMA (AVX-512 where <see cref="Dot512Kernel"/> is on). The unit of
/// work is a block of four rows of W (any four rows: a matrix band, or W1 and W3 rows side by side for SwiGLU) against
/// up to six rows of x (DotKernelRows.cs: the AVX-512 register block, or W's rows one after the other for a single row
/// and on AVX2). A band multiplies every row of x against
/// the same block before moving on, so W (the big operand) streams from memory once however many rows x has, while x
/// (a few KB per row) stays in L1/L2. <see cref="Block4x1(float*, float*, float*, float*, float*, int)"/> (four rows at
/// once) serves attention's scores, where the "rows" are short cached keys.
/// </summary>
public static unsafe partial class DotKernel
{
    private const int Lanes = 8; // floats per Vector256

    /// <summary>How far ahead of the loads each row stream is prefetched. The widening of bfloat16 weights puts twice
    /// the instructions between two cache lines, so the out-of-order window alone keeps fewer lines in flight; asking for
    /// them early keeps memory busy (measured: +15–20% for bf16 rows, neutral for float32).</summary>
    internal const long PrefetchBytes = 512;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>y[t, r] = x[t] · W[r] for rows <paramref name="n0"/>..<paramref name="n1"/> of W and all T rows of x; y is [T, N].</summary>
    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Band<TW>(float* x, byte* w, float* y, int t, int k, int n, int n0, int n1) where TW : struct, IWeightFormat
    {
        long stride = (long)k * TW.ElementSize; // bytes per row of W
        int r = n0;
        for (; r + 4 <= n1; r += 4)
        {
            byte* w0 = w + r * stride, w1 = w0 + stride, w2 = w1 + stride, w3 = w2 + stride;
            // The band's next two blocks, asked into L2 while this one computes (none past the band: another thread's).
            long next = r + 8 <= n1 ? 4 * stride : 0, after = r + 12 <= n1 ? 8 * stride : 0;
            int i = 0;
            // AVX-512, short rows of x: passes of five or six rows (Dot512Kernel.Block{TW, TN}) while five or more are left,
            // except an eight that stays two 4×4 passes.
            for (int six; (six = SixRowPass(t - i, k)) > 0; i += six)
            {
                float* xi = x + (long)i * k;
                var b = SixRowBlock<TW>(six, xi, k, w0, w1, w2, w3, k, next, after);
                float* yi = y + (long)i * n + r;
                Sse.Store(yi, b.R0);
                Sse.Store(yi + n, b.R1);
                Sse.Store(yi + 2L * n, b.R2);
                Sse.Store(yi + 3L * n, b.R3);
                Sse.Store(yi + 4L * n, b.R4);
                if (six > 5) Sse.Store(yi + 5L * n, b.R5);
            }
            // AVX2 with up to 8 rows: passes of three rows over the block, then four, two or one (5 = 3 + 2, 6 = 3 + 3,
            // 8 = 3 + 3 + 2) rather than four and a leftover: measured side by side (`kernels --isa avx2`, avx2-floor.md),
            // f32 +12–14% at 5 rows, +19–23% at 6, +8–14% at 8; bf16 +9%, +21%, +6%; four rows stay four (2 + 2 cost
            // bf16 25%).
            bool threes = !Dot512Kernel.Enabled && t <= 8;
            for (; threes && i + 3 <= t && t - i != 4; i += 3)
            {
                var (r0, r1, r2) = ThreeRows<TW>(x + (long)i * k, k, w0, w1, w2, w3, k, next, after);
                float* yi = y + (long)i * n + r;
                Sse.Store(yi, r0);
                Sse.Store(yi + n, r1);
                Sse.Store(yi + 2L * n, r2);
            }
            for (; i + 4 <= t && (!threes || t - i == 4); i += 4)
            {
                var block = FourRows<TW>(x + (long)i * k, k, w0, w1, w2, w3, k, next, after);
                float* yi = y + (long)i * n + r;
                Sse.Store(yi, block.R0);
                Sse.Store(yi + n, block.R1);
                Sse.Store(yi + 2L * n, block.R2);
                Sse.Store(yi + 3L * n, block.R3);
            }
            if (t - i == 3)
            {
                var (r0, r1, r2) = ThreeRows<TW>(x + (long)i * k, k, w0, w1, w2, w3, k, next, after);
                float* yi = y + (long)i * n + r;
                Sse.Store(yi, r0);
                Sse.Store(yi + n, r1);
                Sse.Store(yi + 2L * n, r2);
                i += 3;
            }
            for (; i + 2 <= t; i += 2)
            {
                float* xi = x + (long)i * k;
                var (first, second) = TwoRows<TW>(xi, xi + k, w0, w1, w2, w3, k, next, after);
                Sse.Store(y + (long)i * n + r, first);
                Sse.Store(y + (long)(i + 1) * n + r, second);
            }
            if (i < t) Sse.Store(y + (long)i * n + r, OneRow<TW>(x + (long)i * k, w0, w1, w2, w3, k));
        }
        for (; r < n1; r++)
            for (int i = 0; i < t; i++)
                y[(long)i * n + r] = Dot<TW>(x + (long)i * k, w + r * stride, k);
    }

    /// <summary>[x·w0, x·w1, x·w2, x·w3] for float32 rows (attention scores).</summary>
    public static Vector128<float> Block4x1(float* x, float* w0, float* w1, float* w2, float* w3, int k) =>
        Block4x1<Float32Weights>(x, (byte*)w0, (byte*)w1, (byte*)w2, (byte*)w3, k);

    /// <summary>[x·w0, x·w1, x·w2, x·w3]: two accumulators per row keep eight loads in flight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Block4x1<TW>(float* x, byte* w0, byte* w1, byte* w2, byte* w3, int k) where TW : struct, IWeightFormat
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int j = 0;
        long ahead = PrefetchBytes / TW.ElementSize;
        for (; j + 2 * Lanes <= k; j += 2 * Lanes)
        {
            Sse.Prefetch0(w0 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w1 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w2 + (j + ahead) * TW.ElementSize);
            Sse.Prefetch0(w3 + (j + ahead) * TW.ElementSize);
            var xa = Avx.LoadVector256(x + j);
            var xb = Avx.LoadVector256(x + j + Lanes);
            a0 = Fma.MultiplyAdd(TW.Load8(w0, j), xa, a0);
            a1 = Fma.MultiplyAdd(TW.Load8(w1, j), xa, a1);
            a2 = Fma.MultiplyAdd(TW.Load8(w2, j), xa, a2);
            a3 = Fma.MultiplyAdd(TW.Load8(w3, j), xa, a3);
            b0 = Fma.MultiplyAdd(TW.Load8(w0, j + Lanes), xb, b0);
            b1 = Fma.MultiplyAdd(TW.Load8(w1, j + Lanes), xb, b1);
            b2 = Fma.MultiplyAdd(TW.Load8(w2, j + Lanes), xb, b2);
            b3 = Fma.MultiplyAdd(TW.Load8(w3, j + Lanes), xb, b3);
        }
        for (; j + Lanes <= k; j += Lanes)
        {
            var xa = Avx.LoadVector256(x + j);
            a0 = Fma.MultiplyAdd(TW.Load8(w0, j), xa, a0);
            a1 = Fma.MultiplyAdd(TW.Load8(w1, j), xa, a1);
            a2 = Fma.MultiplyAdd(TW.Load8(w2, j), xa, a2);
            a3 = Fma.MultiplyAdd(TW.Load8(w3, j), xa, a3);
        }
        var sums = Sum4(Avx.Add(a0, b0), Avx.Add(a1, b1), Avx.Add(a2, b2), Avx.Add(a3, b3));
        return j < k ? Sse.Add(sums, Tail4<TW>(x, w0, w1, w2, w3, j, k)) : sums;
    }

    /// <summary>x · w over K floats (float32 rows).</summary>
    public static float Dot(float* x, float* w, int k) => Dot<Float32Weights>(x, (byte*)w, k);

    /// <summary>x · w over K elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot<TW>(float* x, byte* w, int k) where TW : struct, IWeightFormat
    {
        Vector256<float> acc = default;
        int j = 0;
        for (; j + Lanes <= k; j += Lanes)
            acc = Fma.MultiplyAdd(TW.Load8(w, j), Avx.LoadVector256(x + j), acc);
        float sum = Vector256.Sum(acc);
        for (; j < k; j++) sum += x[j] * TW.Load1(w, j);
        return sum;
    }

    /// <summary>The horizontal sums of four accumulators, as one vector [Σa, Σb, Σc, Σd].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        var ab = Avx.HorizontalAdd(a, b); // [a01 a23 b01 b23 | a45 a67 b45 b67]
        var cd = Avx.HorizontalAdd(c, d);
        var abcd = Avx.HorizontalAdd(ab, cd); // [a0123 b0123 c0123 d0123 | a4567 b4567 c4567 d4567]
        return Sse.Add(abcd.GetLower(), abcd.GetUpper());
    }

    /// <summary>[x·w0, x·w1, x·w2, x·w3] over K positions <paramref name="from"/>..K−1 only: the tail a wider block left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Vector128<float> Block4x1Tail<TW>(float* x, byte* w0, byte* w1, byte* w2, byte* w3, int from, int k) where TW : struct, IWeightFormat
    {
        var sums = Vector128<float>.Zero;
        if (from + Lanes <= k)
        {
            int end = from + (k - from) / Lanes * Lanes, skip = from * TW.ElementSize;
            sums = Block4x1<TW>(x + from, w0 + skip, w1 + skip, w2 + skip, w3 + skip, end - from);
            from = end;
        }
        return from < k ? sums + Tail4<TW>(x, w0, w1, w2, w3, from, k) : sums;
    }

    /// <summary>The last K mod 8 products of four rows, for K that is not a multiple of 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> Tail4<TW>(float* x, byte* w0, byte* w1, byte* w2, byte* w3, int from, int k) where TW : struct, IWeightFormat
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int j = from; j < k; j++)
        {
            s0 += x[j] * TW.Load1(w0, j);
            s1 += x[j] * TW.Load1(w1, j);
            s2 += x[j] * TW.Load1(w2, j);
            s3 += x[j] * TW.Load1(w3, j);
        }
        return Vector128.Create(s0, s1, s2, s3);
    }
}
