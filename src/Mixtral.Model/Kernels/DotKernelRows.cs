using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

// Legend: as DotKernel. The products for one to four rows of x: the AVX-512 register block, or W's rows one after the other.

public static unsafe partial class DotKernel
{
    /// <summary>
    /// [x·w0, x·w1, x·w2, x·w3] for one row of x, with the widest vectors this CPU runs: the rows one after the other, so
    /// each thread reads W as one sequential stream. With one row of x nothing is reused across rows of W (x stays in L1
    /// either way), and one stream is what the hardware prefetchers follow best: measured side by side in one process on
    /// the 2-core EPYC (f32, [3584, 1024] matrices), 10–15% more GB/s than reading the four rows at once with software
    /// prefetch, level with the read-bandwidth test.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> OneRow<TW>(float* x, byte* w0, byte* w1, byte* w2, byte* w3, int k) where TW : struct, IWeightFormat =>
        Dot512Kernel.Enabled
            ? Vector128.Create(Dot512Kernel.Row<TW>(x, w0, k), Dot512Kernel.Row<TW>(x, w1, k), Dot512Kernel.Row<TW>(x, w2, k), Dot512Kernel.Row<TW>(x, w3, k))
            : Vector128.Create(Row<TW>(x, w0, k), Row<TW>(x, w1, k), Row<TW>(x, w2, k), Row<TW>(x, w3, k));

    /// <summary>x · w over K elements, four accumulators (32 elements) per step so four loads are in flight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row<TW>(float* x, byte* w, int k) where TW : struct, IWeightFormat
    {
        Vector256<float> a = default, b = default, c = default, d = default;
        int j = 0;
        for (; j + 4 * Lanes <= k; j += 4 * Lanes)
        {
            a = Fma.MultiplyAdd(TW.Load8(w, j), Avx.LoadVector256(x + j), a);
            b = Fma.MultiplyAdd(TW.Load8(w, j + Lanes), Avx.LoadVector256(x + j + Lanes), b);
            c = Fma.MultiplyAdd(TW.Load8(w, j + 2 * Lanes), Avx.LoadVector256(x + j + 2 * Lanes), c);
            d = Fma.MultiplyAdd(TW.Load8(w, j + 3 * Lanes), Avx.LoadVector256(x + j + 3 * Lanes), d);
        }
        for (; j + Lanes <= k; j += Lanes)
            a = Fma.MultiplyAdd(TW.Load8(w, j), Avx.LoadVector256(x + j), a);
        float sum = Vector256.Sum(Avx.Add(Avx.Add(a, b), Avx.Add(c, d)));
        for (; j < k; j++) sum += x[j] * TW.Load1(w, j);
        return sum;
    }

    /// <summary>
    /// [x0·w0..w3] and [x1·w0..w3] for two rows of x. AVX-512: the register block, which asks for the next block's lines
    /// while it runs (<see cref="Dot512Kernel.Block{TW, TN}"/>). AVX2: the rows of W one after the other as in
    /// <see cref="OneRow{TW}"/>, each W load feeding both rows of x, so each thread reads W as one sequential stream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> First, Vector128<float> Second) TwoRows<TW>(float* x0, float* x1, byte* w0, byte* w1, byte* w2, byte* w3, int k, long next = 0, long after = 0)
        where TW : struct, IWeightFormat
    {
        if (Dot512Kernel.Enabled)
        {
            var block = Dot512Kernel.Block<TW, TwoRowsOfX>(x0, x1 - x0, w0, w1, w2, w3, k, next, after);
            return (block.R0, block.R1);
        }
        var (a0, b0) = Row2<TW>(x0, x1, w0, k);
        var (a1, b1) = Row2<TW>(x0, x1, w1, k);
        var (a2, b2) = Row2<TW>(x0, x1, w2, k);
        var (a3, b3) = Row2<TW>(x0, x1, w3, k);
        return (Vector128.Create(a0, a1, a2, a3), Vector128.Create(b0, b1, b2, b3));
    }

    /// <summary>
    /// Four rows of x (<paramref name="xStride"/> floats apart) against four rows of W. AVX-512: the 4×4 register block
    /// (<see cref="Dot512Kernel.Block{TW}"/>). AVX2 has half the registers, so there W's rows go one after the other, each
    /// W load feeding the four rows of x (<see cref="Row4{TW}"/>): W is read once for the four rows, as one stream.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block4x4 FourRows<TW>(float* x0, long xStride, byte* w0, byte* w1, byte* w2, byte* w3, int k, long next = 0, long after = 0) where TW : struct, IWeightFormat
    {
        if (Dot512Kernel.Enabled) return Dot512Kernel.Block<TW>(x0, xStride, w0, w1, w2, w3, k, next, after);
        return PerRowOfX(Row4<TW>(x0, xStride, w0, k), Row4<TW>(x0, xStride, w1, k), Row4<TW>(x0, xStride, w2, k), Row4<TW>(x0, xStride, w3, k));
    }

    /// <summary>
    /// Whether <paramref name="rows"/> rows of x of K floats stay in L1 (32 KB a core here) beside the W rows streaming
    /// past. Where four do not (an expert's down projection, K = I: 14 KB a row in `mid`), each extra row of x in a pass
    /// pulls its lines back from L2 for every W line, so passes stay at four rows (<see cref="SixRowPass"/>). The bound
    /// depends on x alone, never on W's format, so bfloat16 weights keep giving the float32 result bit for bit.
    /// </summary>
    internal static bool InL1(int rows, int k) => (long)rows * k * sizeof(float) <= 16 * 1024;

    /// <summary>
    /// How many of the <paramref name="left"/> rows of x still to do the next <see cref="Dot512Kernel.Block{TW, TN}"/>
    /// pass takes (five or six), or 0 for none: AVX-512, rows short enough that four fit L1, five or more rows left but
    /// not exactly seven or eight (4 + 3 and 4 + 4 rather than a six-row pass and a lone row or pair). Measured
    /// inside `mid` decode steps of 16 sequences (gate/up, K = 1024, GB/s of W, two runs each): five rows 21.8–22.9 →
    /// 24.9–25.1, six 17.4–21.5 → 24.1–25.1; the down projection's long rows (K = 3584) gained nothing at five or six.
    /// With the block's next-block prefetch (`kernels`, f32, builds alternated three times): seven rows as 4 + 3 instead
    /// of 6 + 1 25–27 → 29–32 GB/s, thirteen as 6 + 4 + 3 instead of 6 + 6 + 1 22–24 → 25–26; eight as 6 + 2 level or worse.
    /// </summary>
    internal static int SixRowPass(int left, int k) =>
        Dot512Kernel.Enabled && left >= 5 && left is not (7 or 8) && InL1(4, k) ? Math.Min(6, left) : 0;

    /// <summary>The <see cref="SixRowPass"/> of <paramref name="rows"/> (five or six) rows of x against four rows of W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Block4x6 SixRowBlock<TW>(int rows, float* x0, long xStride, byte* w0, byte* w1, byte* w2, byte* w3, int k, long next = 0, long after = 0) where TW : struct, IWeightFormat =>
        rows == 5
            ? Dot512Kernel.Block<TW, FiveRowsOfX>(x0, xStride, w0, w1, w2, w3, k, next, after)
            : Dot512Kernel.Block<TW, SixRowsOfX>(x0, xStride, w0, w1, w2, w3, k, next, after);

    /// <summary>From per-row-of-W results (c_j = [x0·w_j, x1·w_j, x2·w_j, x3·w_j]) to the block's per-row-of-x layout
    /// (R_i = [x_i·w0, x_i·w1, x_i·w2, x_i·w3]): a 4×4 transpose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Block4x4 PerRowOfX(Vector128<float> c0, Vector128<float> c1, Vector128<float> c2, Vector128<float> c3) => new(
        Vector128.Create(c0[0], c1[0], c2[0], c3[0]),
        Vector128.Create(c0[1], c1[1], c2[1], c3[1]),
        Vector128.Create(c0[2], c1[2], c2[2], c3[2]),
        Vector128.Create(c0[3], c1[3], c2[3], c3[3]));

    /// <summary>[x0·w, x1·w, x2·w, x3·w] for four rows of x against one row of W: two accumulators per row of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row4<TW>(float* x0, long xStride, byte* w, int k) where TW : struct, IWeightFormat
    {
        float* x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        int j = 0;
        for (; j + 2 * Lanes <= k; j += 2 * Lanes)
        {
            var v = TW.Load8(w, j);
            var u = TW.Load8(w, j + Lanes);
            a0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x0 + j), a0);
            a1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x0 + j + Lanes), a1);
            b0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x1 + j), b0);
            b1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x1 + j + Lanes), b1);
            c0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x2 + j), c0);
            c1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x2 + j + Lanes), c1);
            d0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x3 + j), d0);
            d1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x3 + j + Lanes), d1);
        }
        for (; j + Lanes <= k; j += Lanes)
        {
            var v = TW.Load8(w, j);
            a0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x0 + j), a0);
            b0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x1 + j), b0);
            c0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x2 + j), c0);
            d0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x3 + j), d0);
        }
        var sums = Sum4(Avx.Add(a0, a1), Avx.Add(b0, b1), Avx.Add(c0, c1), Avx.Add(d0, d1));
        return j == k ? sums : sums + TailRows<TW>(x0, xStride, 4, w, j, k);
    }

    /// <summary>
    /// Three rows of x (<paramref name="xStride"/> floats apart) against four rows of W: a batch's experts often see three
    /// rows, which otherwise take a pair and a single. AVX-512: the register block (<see cref="Dot512Kernel.Block{TW, TN}"/>),
    /// which asks for the next block's lines while it runs. AVX2: W's rows one after the other, each W load feeding the
    /// three rows (measured side by side, `kernels --rows 3`: f32 +13–47%, bf16 −1 to +7% over a pair and a single).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector128<float> R0, Vector128<float> R1, Vector128<float> R2) ThreeRows<TW>(float* x0, long xStride, byte* w0, byte* w1, byte* w2, byte* w3, int k, long next = 0, long after = 0)
        where TW : struct, IWeightFormat
    {
        if (Dot512Kernel.Enabled)
        {
            var block = Dot512Kernel.Block<TW, ThreeRowsOfX>(x0, xStride, w0, w1, w2, w3, k, next, after);
            return (block.R0, block.R1, block.R2);
        }
        var rows = PerRowOfX(Row3<TW>(x0, xStride, w0, k), Row3<TW>(x0, xStride, w1, k), Row3<TW>(x0, xStride, w2, k), Row3<TW>(x0, xStride, w3, k));
        return (rows.R0, rows.R1, rows.R2);
    }

    /// <summary>[x0·w, x1·w, x2·w, 0] for three rows of x against one row of W: two accumulators per row of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row3<TW>(float* x0, long xStride, byte* w, int k) where TW : struct, IWeightFormat
    {
        float* x1 = x0 + xStride, x2 = x1 + xStride;
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default;
        int j = 0;
        for (; j + 2 * Lanes <= k; j += 2 * Lanes)
        {
            var v = TW.Load8(w, j);
            var u = TW.Load8(w, j + Lanes);
            a0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x0 + j), a0);
            a1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x0 + j + Lanes), a1);
            b0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x1 + j), b0);
            b1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x1 + j + Lanes), b1);
            c0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x2 + j), c0);
            c1 = Fma.MultiplyAdd(u, Avx.LoadVector256(x2 + j + Lanes), c1);
        }
        for (; j + Lanes <= k; j += Lanes)
        {
            var v = TW.Load8(w, j);
            a0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x0 + j), a0);
            b0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x1 + j), b0);
            c0 = Fma.MultiplyAdd(v, Avx.LoadVector256(x2 + j), c0);
        }
        var sums = Sum4(Avx.Add(a0, a1), Avx.Add(b0, b1), Avx.Add(c0, c1), Vector256<float>.Zero);
        return j == k ? sums : sums + TailRows<TW>(x0, xStride, 3, w, j, k);
    }

    /// <summary>[x_i · w over positions <paramref name="from"/>..K−1] for the first <paramref name="rows"/> (≤ 4) rows of x,
    /// zeros after them: the last K mod 8 products a vector loop left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector128<float> TailRows<TW>(float* x0, long xStride, int rows, byte* w, int from, int k) where TW : struct, IWeightFormat
    {
        var sums = Vector128<float>.Zero;
        for (int i = 0; i < rows; i++)
        {
            float* xi = x0 + i * xStride;
            float s = 0;
            for (int j = from; j < k; j++) s += xi[j] * TW.Load1(w, j);
            sums = sums.WithElement(i, s);
        }
        return sums;
    }

    /// <summary>(x0 · w, x1 · w) over K elements: two accumulators per row of x, 16 elements per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float, float) Row2<TW>(float* x0, float* x1, byte* w, int k) where TW : struct, IWeightFormat
    {
        Vector256<float> a = default, b = default, c = default, d = default;
        int j = 0;
        for (; j + 2 * Lanes <= k; j += 2 * Lanes)
        {
            var v = TW.Load8(w, j);
            var u = TW.Load8(w, j + Lanes);
            a = Fma.MultiplyAdd(v, Avx.LoadVector256(x0 + j), a);
            b = Fma.MultiplyAdd(u, Avx.LoadVector256(x0 + j + Lanes), b);
            c = Fma.MultiplyAdd(v, Avx.LoadVector256(x1 + j), c);
            d = Fma.MultiplyAdd(u, Avx.LoadVector256(x1 + j + Lanes), d);
        }
        for (; j + Lanes <= k; j += Lanes)
        {
            var v = TW.Load8(w, j);
            a = Fma.MultiplyAdd(v, Avx.LoadVector256(x0 + j), a);
            c = Fma.MultiplyAdd(v, Avx.LoadVector256(x1 + j), c);
        }
        float first = Vector256.Sum(Avx.Add(a, b)), second = Vector256.Sum(Avx.Add(c, d));
        for (; j < k; j++)
        {
            float wj = TW.Load1(w, j);
            first += x0[j] * wj;
            second += x1[j] * wj;
        }
        return (first, second);
    }
}
