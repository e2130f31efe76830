using System.Runtime.InteropServices;
using Mixtral.Cluster.Contracts.Wire;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Contracts.Tests.Wire;

public class BFloat16ConversionTests
{
    [Theory]
    [InlineData(0x3F800000u, 0x3F80)] // 1.0
    [InlineData(0xC0000000u, 0xC000)] // -2.0
    [InlineData(0x3DCCCCCDu, 0x3DCD)] // 0.1f rounds up (low half 0xCCCD > 0x8000)
    [InlineData(0x40490FDBu, 0x4049)] // pi rounds down to 3.140625
    [InlineData(0x3F808000u, 0x3F80)] // exact tie, kept bit even: stays
    [InlineData(0x3F818000u, 0x3F82)] // exact tie, kept bit odd: up to even
    [InlineData(0x3F808001u, 0x3F81)] // just above the tie: up
    [InlineData(0x3F807FFFu, 0x3F80)] // just below the tie: down
    [InlineData(0x7F7FFFFFu, 0x7F80)] // float.MaxValue overflows to +Inf
    [InlineData(0x7F7F7FFFu, 0x7F7F)] // just below the overflow threshold: largest finite bf16
    [InlineData(0x7F800000u, 0x7F80)] // +Inf
    [InlineData(0xFF800000u, 0xFF80)] // -Inf
    [InlineData(0x80000000u, 0x8000)] // -0 keeps its sign
    [InlineData(0x00000001u, 0x0000)] // smallest subnormal rounds to +0
    [InlineData(0x00018000u, 0x0002)] // subnormal tie, odd kept bit: up
    [InlineData(0x807FFFFFu, 0x8080)] // largest negative subnormal rounds up to the smallest normal
    public void Known_bit_patterns(uint floatBits, int expected)
    {
        float value = BitConverter.UInt32BitsToSingle(floatBits);
        Assert.Equal((ushort)expected, BFloat16Reference.Round(value)); // the oracle agrees with the hand-worked table
        Assert.Equal((ushort)expected, BFloat16Conversion.FromSingle(value));
        Assert.Equal((ushort)expected, Narrow([value])[0]);
    }

    [Theory]
    [InlineData(0x7FC00000u)] // quiet NaN
    [InlineData(0xFFFFFFFFu)] // negative NaN, all payload bits
    [InlineData(0x7F800001u)] // signalling NaN: truncation would give 0x7F80 (Inf), rounding must not
    public void Every_nan_becomes_the_canonical_quiet_nan(uint floatBits)
    {
        float nan = BitConverter.UInt32BitsToSingle(floatBits);
        Assert.Equal(BFloat16Conversion.CanonicalNaN, BFloat16Conversion.FromSingle(nan));
        Assert.All(Narrow(Enumerable.Repeat(nan, 17).ToArray()), b => Assert.Equal(BFloat16Conversion.CanonicalNaN, b));
    }

    [Fact]
    public void Vector_and_scalar_paths_round_every_sweep_value_like_the_reference()
    {
        float[] values = FloatSweep.Values();
        ushort[] narrowed = Narrow(values);
        for (int i = 0; i < values.Length; i++)
        {
            ushort expected = float.IsNaN(values[i]) ? BFloat16Conversion.CanonicalNaN : BFloat16Reference.Round(values[i]);
            if (narrowed[i] != expected || BFloat16Conversion.FromSingle(values[i]) != expected)
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(values[i]):X8}: expected 0x{expected:X4}, " +
                            $"vector 0x{narrowed[i]:X4}, scalar 0x{BFloat16Conversion.FromSingle(values[i]):X4}");
        }
    }

    [Fact]
    public void Matches_libtorch_to_bfloat16_on_every_number()
    {
        float[] values = FloatSweep.Values(seed: 11).Where(v => !float.IsNaN(v)).ToArray();
        using var scope = NewDisposeScope();
        ushort[] torchBits = MemoryMarshal.Cast<byte, ushort>(tensor(values).to(ScalarType.BFloat16).bytes).ToArray();
        ushort[] ours = Narrow(values);
        for (int i = 0; i < values.Length; i++)
            if (torchBits[i] != ours[i])
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(values[i]):X8}: libtorch 0x{torchBits[i]:X4}, ours 0x{ours[i]:X4}");
    }

    [Fact]
    public void Widening_is_exact_for_all_65536_patterns_on_both_paths()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        float[] widened = new float[all.Length + 3];
        BFloat16Conversion.Widen([.. all, 0x3F80, 0x4049, 0xFF80], widened); // 3 extra: exercise the scalar tail
        for (int i = 0; i < all.Length; i++)
            Assert.Equal((uint)all[i] << 16, BitConverter.SingleToUInt32Bits(widened[i]));
        Assert.Equal([1.0f, 3.140625f, float.NegativeInfinity], widened[^3..]);
    }

    [Fact]
    public void Lengths_must_match()
    {
        var e = Assert.Throws<ArgumentException>(() => BFloat16Conversion.Narrow(new float[5], new ushort[4]));
        Assert.Equal("bf16 narrow: source has 5 elements, destination 4", e.Message);
    }

    private static ushort[] Narrow(float[] values)
    {
        var result = new ushort[values.Length];
        BFloat16Conversion.Narrow(values, result);
        return result;
    }
}
