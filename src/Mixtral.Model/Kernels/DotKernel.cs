using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

// Legend: T rows of x, K inner length (in features), N rows of W (out features). Row-major, contiguous.

/// <summary>
/// Dot products of rows of x with rows of W, AVX2 + FMA. The unit of work is a block of four rows of W (any four
/// rows: a matrix band, or W1 and W3 rows side by side for SwiGLU) against one or two rows of x. A band multiplies
/// every row of x against the same block before moving on, so W (the big operand) streams from memory once however
/// many rows x has, while x (a few KB per row) stays in L1/L2.
/// </summary>
public static unsafe class DotKernel
{
    private const int Lanes = 8; // floats per Vector256

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>y[t, r] = x[t] · W[r] for rows <paramref name="n0"/>..<paramref name="n1"/> of W and all T rows of x; y is [T, N].</summary>
    public static void Band(float* x, float* w, float* y, int t, int k, int n, int n0, int n1)
    {
        int r = n0;
        for (; r + 4 <= n1; r += 4)
        {
            float* w0 = w + (long)r * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
            int i = 0;
            if (Dot512Kernel.Enabled)
            {
                for (; i + 4 <= t; i += 4)
                {
                    var block = Dot512Kernel.Block(x + (long)i * k, k, w0, w1, w2, w3, k);
                    float* yi = y + (long)i * n + r;
                    Sse.Store(yi, block.R0);
                    Sse.Store(yi + n, block.R1);
                    Sse.Store(yi + 2L * n, block.R2);
                    Sse.Store(yi + 3L * n, block.R3);
                }
            }
            for (; i + 2 <= t; i += 2)
            {
                float* xi = x + (long)i * k;
                var (first, second) = Block4x2(xi, xi + k, w0, w1, w2, w3, k);
                Sse.Store(y + (long)i * n + r, first);
                Sse.Store(y + (long)(i + 1) * n + r, second);
            }
            if (i < t) Sse.Store(y + (long)i * n + r, Block4x1(x + (long)i * k, w0, w1, w2, w3, k));
        }
        for (; r < n1; r++)
            for (int i = 0; i < t; i++)
                y[(long)i * n + r] = Dot(x + (long)i * k, w + (long)r * k, k);
    }

    /// <summary>[x·w0, x·w1, x·w2, x·w3]: two accumulators per row keep eight loads in flight.</summary>
    public static Vector128<float> Block4x1(float* x, float* w0, float* w1, float* w2, float* w3, int k)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        int j = 0;
        for (; j + 2 * Lanes <= k; j += 2 * Lanes)
        {
            var xa = Avx.LoadVector256(x + j);
            var xb = Avx.LoadVector256(x + j + Lanes);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + j), xa, a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + j), xa, a1);
            a2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + j), xa, a2);
            a3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + j), xa, a3);
            b0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + j + Lanes), xb, b0);
            b1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + j + Lanes), xb, b1);
            b2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + j + Lanes), xb, b2);
            b3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + j + Lanes), xb, b3);
        }
        for (; j + Lanes <= k; j += Lanes)
        {
            var xa = Avx.LoadVector256(x + j);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(w0 + j), xa, a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(w1 + j), xa, a1);
            a2 = Fma.MultiplyAdd(Avx.LoadVector256(w2 + j), xa, a2);
            a3 = Fma.MultiplyAdd(Avx.LoadVector256(w3 + j), xa, a3);
        }
        var sums = Sum4(Avx.Add(a0, b0), Avx.Add(a1, b1), Avx.Add(a2, b2), Avx.Add(a3, b3));
        return j < k ? Sse.Add(sums, Tail4(x, w0, w1, w2, w3, j, k)) : sums;
    }

    /// <summary>The same four dot products for two rows of x: eight accumulators, each W load used twice.</summary>
    public static (Vector128<float> First, Vector128<float> Second) Block4x2(float* x0, float* x1, float* w0, float* w1, float* w2, float* w3, int k)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default; // x row 0
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default; // x row 1
        int j = 0;
        for (; j + Lanes <= k; j += Lanes)
        {
            var v0 = Avx.LoadVector256(w0 + j);
            var v1 = Avx.LoadVector256(w1 + j);
            var v2 = Avx.LoadVector256(w2 + j);
            var v3 = Avx.LoadVector256(w3 + j);
            var xa = Avx.LoadVector256(x0 + j);
            a0 = Fma.MultiplyAdd(v0, xa, a0);
            a1 = Fma.MultiplyAdd(v1, xa, a1);
            a2 = Fma.MultiplyAdd(v2, xa, a2);
            a3 = Fma.MultiplyAdd(v3, xa, a3);
            var xb = Avx.LoadVector256(x1 + j);
            b0 = Fma.MultiplyAdd(v0, xb, b0);
            b1 = Fma.MultiplyAdd(v1, xb, b1);
            b2 = Fma.MultiplyAdd(v2, xb, b2);
            b3 = Fma.MultiplyAdd(v3, xb, b3);
        }
        var first = Sum4(a0, a1, a2, a3);
        var second = Sum4(b0, b1, b2, b3);
        if (j < k)
        {
            first = Sse.Add(first, Tail4(x0, w0, w1, w2, w3, j, k));
            second = Sse.Add(second, Tail4(x1, w0, w1, w2, w3, j, k));
        }
        return (first, second);
    }

    /// <summary>x · w over K floats.</summary>
    public static float Dot(float* x, float* w, int k)
    {
        Vector256<float> acc = default;
        int j = 0;
        for (; j + Lanes <= k; j += Lanes)
            acc = Fma.MultiplyAdd(Avx.LoadVector256(w + j), Avx.LoadVector256(x + j), acc);
        float sum = Vector256.Sum(acc);
        for (; j < k; j++) sum += x[j] * w[j];
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
    internal static Vector128<float> Block4x1Tail(float* x, float* w0, float* w1, float* w2, float* w3, int from, int k)
    {
        var sums = Vector128<float>.Zero;
        if (from + Lanes <= k)
        {
            int end = from + (k - from) / Lanes * Lanes;
            sums = Block4x1(x + from, w0 + from, w1 + from, w2 + from, w3 + from, end - from);
            from = end;
        }
        return from < k ? sums + Tail4(x, w0, w1, w2, w3, from, k) : sums;
    }

    /// <summary>The last K mod 8 products of four rows, for K that is not a multiple of 8.</summary>
    private static Vector128<float> Tail4(float* x, float* w0, float* w1, float* w2, float* w3, int from, int k)
    {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int j = from; j < k; j++)
        {
            s0 += x[j] * w0[j];
            s1 += x[j] * w1[j];
            s2 += x[j] * w2[j];
            s3 += x[j] * w3[j];
        }
        return Vector128.Create(s0, s1, s2, s3);
    }
}
