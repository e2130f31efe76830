using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Mixtral.Model.Quantization;

// Legend: one q4 row of W (codes w, sub-scales s, block scales D) against rows of x laid out by Q4Activations (int8 codes,
// then −8·Σ codes per group at +sums, then e per block at +scales), rows xStride bytes apart; G groups (even).

/// <summary>
/// q4 dot products with AVX2, a block of eight groups (256 weights) at a time in integers: per pair of groups the 32
/// code bytes split into two vectors of nibbles (a mask, a shift), vpmaddubsw multiplies each with 32 int8 codes of x
/// into 16 int16 pair sums (≤ 2·15·127, exact), vpmaddwd against the group's sub-scale widens and scales them into int32;
/// the offset of the stored codes (q+8) comes out per block in one more vpmaddwd of the eight sub-scales with x's
/// −8·Σ codes. Each block is converted and scaled by D·e once. One, two or four rows of x share every unpacked pair.
/// There is no AVX-512 form (see <see cref="Q4Rows"/>).
/// </summary>
public static unsafe class Q4Kernel
{
    /// <summary>How far ahead of its loads the code stream is prefetched (bytes).</summary>
    internal const int PrefetchBytes = 512;

    /// <summary>x · w, the dot product in full (scales applied).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row1x1(byte* w, sbyte* s, float* d, byte* x, int groups, int sums, int scales)
    {
        var acc = Vector256<float>.Zero;
        float* e = (float*)(x + scales);
        for (int g0 = 0, b = 0; g0 < groups; g0 += Q4Blocks.Groups, b++)
        {
            var s8 = Sse41.ConvertToVector128Int16(s + g0); // the block's eight sub-scales as int16
            var sv = Vector256.Create(s8, s8).AsByte();
            var control = Vector256.Create((short)0x0100).AsByte(); // broadcasts word 0, then 1, ... (+0x0202 per group)
            var sum = Offset(s8, x, sums, g0);
            if (g0 + Q4Blocks.Groups <= groups)
            {
                // A whole block, unrolled: each group's broadcast control is a constant (one vpshufb per group, no add).
                byte* codes = w + g0 * 16;
                sbyte* xg = (sbyte*)x + g0 * 32;
                Sse.Prefetch0(codes + PrefetchBytes);
                Sse.Prefetch0(codes + PrefetchBytes + 64);
                var (lo, hi) = Unpack(codes);
                sum += Pair(lo, hi, xg, Word(sv, 0x0100), Word(sv, 0x0302));
                (lo, hi) = Unpack(codes + 32);
                sum += Pair(lo, hi, xg + 64, Word(sv, 0x0504), Word(sv, 0x0706));
                (lo, hi) = Unpack(codes + 64);
                sum += Pair(lo, hi, xg + 128, Word(sv, 0x0908), Word(sv, 0x0B0A));
                (lo, hi) = Unpack(codes + 96);
                sum += Pair(lo, hi, xg + 192, Word(sv, 0x0D0C), Word(sv, 0x0F0E));
            }
            else
                for (int g = g0; g < groups; g += 2)
                {
                    var (lo, hi) = Unpack(w + g * 16);
                    var (s0, s1) = SubScales(sv, ref control);
                    sum += Pair(lo, hi, (sbyte*)x + g * 32, s0, s1);
                }
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum), Vector256.Create(d[b] * e[b]), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>[x0 · w, x1 · w, …] for TN.Count (two or four) rows of x <paramref name="xStride"/> bytes apart, each
    /// pair of W's groups unpacked once for all of them (the JIT drops the rows past the count; their lanes are zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector128<float> Rows<TN>(byte* w, sbyte* s, float* d, byte* x, long xStride, int groups, int sums, int scales)
        where TN : struct, Kernels.IRowCount
    {
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        byte* x1 = x + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        for (int g0 = 0, b = 0; g0 < groups; g0 += Q4Blocks.Groups, b++)
        {
            var s8 = Sse41.ConvertToVector128Int16(s + g0);
            var sv = Vector256.Create(s8, s8).AsByte();
            var control = Vector256.Create((short)0x0100).AsByte();
            var sum0 = Offset(s8, x, sums, g0);
            var sum1 = Offset(s8, x1, sums, g0);
            var sum2 = TN.Count > 2 ? Offset(s8, x2, sums, g0) : default;
            var sum3 = TN.Count > 3 ? Offset(s8, x3, sums, g0) : default;
            for (int g = g0; g < Math.Min(g0 + Q4Blocks.Groups, groups); g += 2)
            {
                byte* codes = w + g * 16;
                Sse.Prefetch0(codes + PrefetchBytes);
                var (lo, hi) = Unpack(codes);
                var (s0, s1) = SubScales(sv, ref control);
                sum0 += Pair(lo, hi, (sbyte*)x + g * 32, s0, s1);
                sum1 += Pair(lo, hi, (sbyte*)x1 + g * 32, s0, s1);
                if (TN.Count > 2) sum2 += Pair(lo, hi, (sbyte*)x2 + g * 32, s0, s1);
                if (TN.Count > 3) sum3 += Pair(lo, hi, (sbyte*)x3 + g * 32, s0, s1);
            }
            float db = d[b];
            acc0 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum0), Vector256.Create(db * ((float*)(x + scales))[b]), acc0);
            acc1 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum1), Vector256.Create(db * ((float*)(x1 + scales))[b]), acc1);
            if (TN.Count > 2) acc2 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum2), Vector256.Create(db * ((float*)(x2 + scales))[b]), acc2);
            if (TN.Count > 3) acc3 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sum3), Vector256.Create(db * ((float*)(x3 + scales))[b]), acc3);
        }
        return Kernels.DotKernel.Sum4(acc0, acc1, acc2, acc3);
    }

    /// <summary>A pair's 64 nibbles: group g (the low nibbles) and group g+1 (the high ones), one byte per code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<byte> Low, Vector256<byte> High) Unpack(byte* pair)
    {
        var c = Avx.LoadVector256(pair);
        var mask = Vector256.Create((byte)0x0F);
        return (c & mask, Avx2.ShiftRightLogical(c.AsUInt16(), 4).AsByte() & mask);
    }

    /// <summary>The sub-scale in int16 word (control's low byte / 2) of every 128-bit lane, in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> Word(Vector256<byte> sv, short control) => Avx2.Shuffle(sv, Vector256.Create(control).AsByte()).AsInt16();

    /// <summary>The next two groups' sub-scales, each in every int16 lane (vpshufb of the block's eight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<short>, Vector256<short>) SubScales(Vector256<byte> sv, ref Vector256<byte> control)
    {
        var step = Vector256.Create((short)0x0202).AsByte();
        var first = Avx2.Shuffle(sv, control).AsInt16();
        control = Avx2.Add(control, step);
        var second = Avx2.Shuffle(sv, control).AsInt16();
        control = Avx2.Add(control, step);
        return (first, second);
    }

    /// <summary>Σ s_g·(codes · x) over a pair of groups, in eight int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Pair(Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<short> s0, Vector256<short> s1) =>
        Avx2.Add(Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(lo, Avx.LoadVector256(x)), s0),
                 Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(hi, Avx.LoadVector256(x + 32)), s1));

    /// <summary>Σ_g s_g·(−8·Σ x codes) over the block's groups: the codes' +8 taken out (lanes 4..7 zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Offset(Vector128<short> s8, byte* x, int sums, int g0) =>
        Sse2.MultiplyAddAdjacent(s8, Sse2.LoadVector128((short*)(x + sums) + g0)).ToVector256();
}
