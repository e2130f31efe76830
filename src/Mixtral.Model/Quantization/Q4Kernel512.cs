using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: as Q4Kernel; one pair of groups (64 weights) per 512-bit vector.

/// <summary>
/// <see cref="Q4Kernel"/> with AVX-512BW: a pair's two nibble vectors side by side in one register, so one vpmaddubsw and
/// one vpmaddwd (against [s_g ×16 | s_g+1 ×16]) take 64 weights for each row of x.
/// </summary>
public static unsafe class Q4Kernel512
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1(byte* w, sbyte* s, float* d, byte* x, int groups, int sums, int scales)
    {
        var acc = Vector512<float>.Zero;
        float* e = (float*)(x + scales);
        for (int g0 = 0, b = 0; g0 < groups; g0 += Q4Blocks.Groups, b++)
        {
            var s8 = Sse41.ConvertToVector128Int16(s + g0);
            var sv = Broadcast(s8);
            var control = FirstControl();
            var sum = Q4Kernel.Offset(s8, x, sums, g0).ToVector512();
            for (int g = g0; g < Math.Min(g0 + Q4Blocks.Groups, groups); g += 2)
            {
                byte* codes = w + g * 16;
                Sse.Prefetch0(codes + Q4Kernel.PrefetchBytes);
                var v = Unpack(codes);
                var pairScale = SubScales(sv, ref control);
                sum += Pair(v, (sbyte*)x + g * 32, pairScale);
            }
            acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum), Vector512.Create(d[b] * e[b]), acc);
        }
        return Vector512.Sum(acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float, float) Row1x2(byte* w, sbyte* s, float* d, byte* x, long xStride, int groups, int sums, int scales)
    {
        Vector512<float> acc0 = default, acc1 = default;
        byte* x1 = x + xStride;
        float* e0 = (float*)(x + scales), e1 = (float*)(x1 + scales);
        for (int g0 = 0, b = 0; g0 < groups; g0 += Q4Blocks.Groups, b++)
        {
            var s8 = Sse41.ConvertToVector128Int16(s + g0);
            var sv = Broadcast(s8);
            var control = FirstControl();
            var sum0 = Q4Kernel.Offset(s8, x, sums, g0).ToVector512();
            var sum1 = Q4Kernel.Offset(s8, x1, sums, g0).ToVector512();
            for (int g = g0; g < Math.Min(g0 + Q4Blocks.Groups, groups); g += 2)
            {
                byte* codes = w + g * 16;
                Sse.Prefetch0(codes + Q4Kernel.PrefetchBytes);
                var v = Unpack(codes);
                var pairScale = SubScales(sv, ref control);
                sum0 += Pair(v, (sbyte*)x + g * 32, pairScale);
                sum1 += Pair(v, (sbyte*)x1 + g * 32, pairScale);
            }
            acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum0), Vector512.Create(d[b] * e0[b]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum1), Vector512.Create(d[b] * e1[b]), acc1);
        }
        return (Vector512.Sum(acc0), Vector512.Sum(acc1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Row1x4(byte* w, sbyte* s, float* d, byte* x, long xStride, int groups, int sums, int scales)
    {
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        byte* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (int g0 = 0, b = 0; g0 < groups; g0 += Q4Blocks.Groups, b++)
        {
            var s8 = Sse41.ConvertToVector128Int16(s + g0);
            var sv = Broadcast(s8);
            var control = FirstControl();
            var sum0 = Q4Kernel.Offset(s8, x, sums, g0).ToVector512();
            var sum1 = Q4Kernel.Offset(s8, x1, sums, g0).ToVector512();
            var sum2 = Q4Kernel.Offset(s8, x2, sums, g0).ToVector512();
            var sum3 = Q4Kernel.Offset(s8, x3, sums, g0).ToVector512();
            for (int g = g0; g < Math.Min(g0 + Q4Blocks.Groups, groups); g += 2)
            {
                byte* codes = w + g * 16;
                Sse.Prefetch0(codes + Q4Kernel.PrefetchBytes);
                var v = Unpack(codes);
                var pairScale = SubScales(sv, ref control);
                sum0 += Pair(v, (sbyte*)x + g * 32, pairScale);
                sum1 += Pair(v, (sbyte*)x1 + g * 32, pairScale);
                sum2 += Pair(v, (sbyte*)x2 + g * 32, pairScale);
                sum3 += Pair(v, (sbyte*)x3 + g * 32, pairScale);
            }
            float db = d[b];
            acc0 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum0), Vector512.Create(db * ((float*)(x + scales))[b]), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum1), Vector512.Create(db * ((float*)(x1 + scales))[b]), acc1);
            acc2 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum2), Vector512.Create(db * ((float*)(x2 + scales))[b]), acc2);
            acc3 = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sum3), Vector512.Create(db * ((float*)(x3 + scales))[b]), acc3);
        }
        return Vector128.Create(Vector512.Sum(acc0), Vector512.Sum(acc1), Vector512.Sum(acc2), Vector512.Sum(acc3));
    }

    /// <summary>The pair's codes as 64 bytes: group g's 32 (low nibbles), then group g+1's (high nibbles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Unpack(byte* pair)
    {
        var c = Vector256.Load(pair);
        return Vector512.Create(c, Avx2.ShiftRightLogical(c.AsUInt16(), 4).AsByte()) & Vector512.Create((byte)0x0F);
    }

    /// <summary>The block's eight int16 sub-scales in every 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Broadcast(Vector128<short> s8)
    {
        var half = Vector256.Create(s8, s8);
        return Vector512.Create(half, half).AsByte();
    }

    /// <summary>vpshufb control for the block's first pair: word 0 in the low 256 bits, word 1 in the high ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> FirstControl() =>
        Vector512.Create(Vector256.Create((short)0x0100), Vector256.Create((short)0x0302)).AsByte();

    /// <summary>[s_g ×16 | s_g+1 ×16] for the next pair, moving the control on by two words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> SubScales(Vector512<byte> sv, ref Vector512<byte> control)
    {
        var scales = Avx512BW.Shuffle(sv, control).AsInt16();
        control = Avx512BW.Add(control, Vector512.Create((short)0x0404).AsByte());
        return scales;
    }

    /// <summary>Σ s·(codes · x) over a pair of groups, in sixteen int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Pair(Vector512<byte> codes, sbyte* x, Vector512<short> scales) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(codes, Vector512.Load(x)), scales);
}
