using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Kernels;

/// <summary>How many rows of x a <see cref="Dot512Kernel.Rows{TW, TN}"/> or <see cref="Dot512Kernel.Block{TW, TN}"/> pass takes: a struct type argument, so the JIT
/// compiles one copy per count with the unused rows' loads and FMAs removed.</summary>
public interface IRowCount
{
    static abstract int Count { get; }
}

public readonly struct TwoRowsOfX : IRowCount
{
    public static int Count => 2;
}

public readonly struct ThreeRowsOfX : IRowCount
{
    public static int Count => 3;
}

public readonly struct FourRowsOfX : IRowCount
{
    public static int Count => 4;
}

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
    /// [x0·w, x1·w, x2·w, x3·w] for three or four rows of x (<paramref name="xStride"/> floats apart) against ONE row of W,
    /// in one pass: each 512-bit W load feeds every row of x, and a block's W rows are read one after the other, so each
    /// thread reads W as a single sequential stream (as <see cref="Row{TW}"/> and <see cref="Row2{TW}"/> do) instead of
    /// the 4×4 block's four streams. Measured side by side in one process (`kernels`, [3584, 1024] matrices, 2-core EPYC):
    /// three rows f32 +28–78% over the pair and single it replaces, bf16 level; an x of four rows bf16 +15–57% over the
    /// 4×4 block, f32 level (<see cref="DotKernel.FourRowsAlone{TW}"/>). Lanes past TN.Count are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Rows<TW, TN>(float* x0, long xStride, byte* w, int k) where TW : struct, IWeightFormat where TN : struct, IRowCount
    {
        float* x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int j = 0;
        long ahead = DotKernel.PrefetchBytes / TW.ElementSize; // bf16 three rows +25–35%, f32 level (`kernels`, alternated)
        for (; j + Lanes <= k; j += Lanes)
        {
            Sse.Prefetch0(w + (j + ahead) * TW.ElementSize);
            var v = TW.Load16(w, j);
            a0 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(x0 + j), a0);
            a1 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(x1 + j), a1);
            a2 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(x2 + j), a2);
            if (TN.Count > 3) a3 = Avx512F.FusedMultiplyAdd(v, Vector512.Load(x3 + j), a3);
        }
        var sums = DotKernel.Sum4(Half(a0), Half(a1), Half(a2), Half(a3));
        for (; j < k; j++)
        {
            float wj = TW.Load1(w, j);
            sums += Vector128.Create(x0[j] * wj, x1[j] * wj, x2[j] * wj, TN.Count > 3 ? x3[j] * wj : 0f);
        }
        return sums;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Half(Vector512<float> a) => a.GetLower() + a.GetUpper();
}
