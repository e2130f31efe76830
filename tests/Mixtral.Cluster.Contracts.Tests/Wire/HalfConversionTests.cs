using Mixtral.Cluster.Contracts.Wire;

namespace Mixtral.Cluster.Contracts.Tests.Wire;

/// <summary>The f16 kernels against System.Half, the runtime's own IEEE binary16 conversion.</summary>
public class HalfConversionTests
{
    [Fact]
    public void Narrowing_matches_system_half_on_every_sweep_value()
    {
        float[] values = FloatSweep.Values();
        var narrowed = new ushort[values.Length];
        HalfConversion.Narrow(values, narrowed);
        for (int i = 0; i < values.Length; i++)
        {
            ushort system = BitConverter.HalfToUInt16Bits((Half)values[i]);
            ushort scalar = HalfConversion.FromSingle(values[i]);
            bool ok = float.IsNaN(values[i])
                ? IsQuietNaNWithSign(narrowed[i], system) && scalar == narrowed[i]
                : narrowed[i] == system && scalar == system;
            if (!ok)
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(values[i]):X8}: System.Half 0x{system:X4}, vector 0x{narrowed[i]:X4}, scalar 0x{scalar:X4}");
        }
    }

    [Theory]
    [InlineData(65504f, 0x7BFF)]          // largest finite half
    [InlineData(65519.99f, 0x7BFF)]       // just below the overflow threshold
    [InlineData(65520f, 0x7C00)]          // the threshold itself rounds (tie, to even) to +Inf
    [InlineData(-1e10f, 0xFC00)]
    [InlineData(5.9604645e-8f, 0x0001)]   // 2^-24, smallest subnormal
    [InlineData(2.9802322e-8f, 0x0000)]   // 2^-25: tie between 0 and 2^-24, to even (0)
    [InlineData(6.1035156e-5f, 0x0400)]   // 2^-14, smallest normal
    public void Known_bit_patterns(float value, int expected)
    {
        var narrowed = new ushort[16];
        HalfConversion.Narrow(Enumerable.Repeat(value, 16).ToArray(), narrowed);
        Assert.All(narrowed, h => Assert.Equal((ushort)expected, h));
        Assert.Equal((ushort)expected, HalfConversion.FromSingle(value));
    }

    [Fact]
    public void Widening_matches_system_half_for_all_65536_patterns_on_both_paths()
    {
        ushort[] all = [.. Enumerable.Range(0, 65536).Select(i => (ushort)i), 0x3C00, 0x0001, 0xFC00]; // +3: scalar tail
        var widened = new float[all.Length];
        HalfConversion.Widen(all, widened);
        for (int i = 0; i < all.Length; i++)
        {
            float system = (float)BitConverter.UInt16BitsToHalf(all[i]);
            bool ok = float.IsNaN(system)
                ? float.IsNaN(widened[i]) && float.IsNegative(widened[i]) == float.IsNegative(system)
                : BitConverter.SingleToUInt32Bits(widened[i]) == BitConverter.SingleToUInt32Bits(system);
            ok &= BitConverter.SingleToUInt32Bits(HalfConversion.ToSingle(all[i])) == BitConverter.SingleToUInt32Bits(widened[i]);
            if (!ok) Assert.Fail($"half 0x{all[i]:X4}: System.Half {system}, ours {widened[i]}");
        }
    }

    private static bool IsQuietNaNWithSign(ushort ours, ushort system) =>
        (ours & 0x7FFF) == 0x7E00 && (ours & 0x8000) == (system & 0x8000);
}
