using System.Runtime.Intrinsics;

namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>
/// float32 ↔ IEEE binary16, with the same results as <see cref="System.Half"/>'s conversions on every
/// number (round to nearest, ties to even; subnormals kept; |x| ≥ 65520 rounds to ±Inf) but 16 lanes per step.
/// NaN narrows to a quiet NaN of the same sign (payload dropped). The vector paths follow the branch-free
/// bit tricks of F. Giesen's public-domain "float_to_half_fast3_rtne" / "half_to_float" (each branch computed,
/// then selected per lane).
/// </summary>
public static class HalfConversion
{
    private const uint SignMask = 0x8000_0000u;
    private const int HalfOverflow = 0x4780_0000;   // 65536f: from here on the result is Inf (or NaN)
    private const int HalfMinNormal = 0x3880_0000;  // 2^-14: below it the result is subnormal or zero
    private const int SingleInfinity = 0x7F80_0000;
    private const uint RebiasDown = 0xC800_0FFFu;   // exponent 127 → 15, plus the 0xFFF half of the rounding bias
    private const float SubnormalMagic = 0.5f;      // aligns the 10 kept mantissa bits at the bottom of the float
    private const uint SubnormalMagicBits = 0x3F00_0000u;
    private const uint ShiftedExponent = 0x7C00u << 13;  // binary16's exponent field, moved to float32's place
    private const uint ExponentRebias = 0x3800_0000u;    // exponent bias 15 → 127

    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint sign = bits & SignMask;
        uint abs = bits ^ sign;
        uint result;
        if (abs >= HalfOverflow)
            result = abs > SingleInfinity ? 0x7E00u : 0x7C00u;
        else if (abs < HalfMinNormal)
            result = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(abs) + SubnormalMagic) - SubnormalMagicBits;
        else
            result = (abs + RebiasDown + ((abs >> 13) & 1u)) >> 13;
        return (ushort)(result | (sign >> 16));
    }

    public static float ToSingle(ushort half)
    {
        uint magnitude = (uint)(half & 0x7FFF) << 13;
        uint exponent = magnitude & ShiftedExponent;
        uint bits = magnitude + ExponentRebias;
        if (exponent == ShiftedExponent)
            bits += ExponentRebias;
        else if (exponent == 0)
            bits = BitConverter.SingleToUInt32Bits(
                BitConverter.UInt32BitsToSingle(bits + 0x0080_0000u) - BitConverter.Int32BitsToSingle(HalfMinNormal));
        return BitConverter.UInt32BitsToSingle(bits | ((uint)(half & 0x8000) << 16));
    }

    /// <summary>Rounds every float of <paramref name="source"/> into <paramref name="destination"/> (same length).</summary>
    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination) =>
        HalfWidthSpans.Narrow<HalfLanes>(source, destination, "f16 narrow");

    /// <summary>Widens every f16 of <paramref name="source"/> into <paramref name="destination"/> (same length). Exact.</summary>
    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination) =>
        HalfWidthSpans.Widen<HalfLanes>(source, destination, "f16 widen");

    /// <summary><see cref="FromSingle"/> on 8 lanes, result in the low 16 bits of each lane.</summary>
    internal static Vector256<uint> Round(Vector256<uint> bits)
    {
        Vector256<uint> sign = bits & Vector256.Create(SignMask);
        Vector256<uint> abs = bits ^ sign;
        Vector256<int> absSigned = abs.AsInt32(); // < 2^31: signed compares are exact

        Vector256<uint> special = Vector256.ConditionalSelect(
            Vector256.GreaterThan(absSigned, Vector256.Create(SingleInfinity)).AsUInt32(),
            Vector256.Create(0x7E00u), Vector256.Create(0x7C00u));
        Vector256<uint> subnormal =
            (abs.AsSingle() + Vector256.Create(SubnormalMagic)).AsUInt32() - Vector256.Create(SubnormalMagicBits);
        Vector256<uint> normal = Vector256.ShiftRightLogical(
            abs + Vector256.Create(RebiasDown) + (Vector256.ShiftRightLogical(abs, 13) & Vector256.Create(1u)), 13);

        Vector256<uint> result = Vector256.ConditionalSelect(
            Vector256.LessThan(absSigned, Vector256.Create(HalfMinNormal)).AsUInt32(), subnormal, normal);
        result = Vector256.ConditionalSelect(
            Vector256.GreaterThan(absSigned, Vector256.Create(HalfOverflow - 1)).AsUInt32(), special, result);
        return result | Vector256.ShiftRightLogical(sign, 16);
    }

    /// <summary>binary16 bits (low 16 of each lane) to float32 on 8 lanes.</summary>
    internal static Vector256<float> Expand(Vector256<uint> half)
    {
        Vector256<uint> magnitude = Vector256.ShiftLeft(half & Vector256.Create(0x7FFFu), 13);
        Vector256<uint> exponent = magnitude & Vector256.Create(ShiftedExponent);
        Vector256<uint> rebiased = magnitude + Vector256.Create(ExponentRebias);

        Vector256<uint> infOrNaN = rebiased + Vector256.Create(ExponentRebias);              // all-ones exponent stays all-ones
        Vector256<uint> subnormal = ((rebiased + Vector256.Create(0x0080_0000u)).AsSingle()   // renormalise via float subtract
                                     - Vector256.Create(HalfMinNormal).AsSingle()).AsUInt32();

        Vector256<uint> result = Vector256.ConditionalSelect(
            Vector256.Equals(exponent, Vector256.Create(ShiftedExponent)), infOrNaN, rebiased);
        result = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero), subnormal, result);
        return (result | Vector256.ShiftLeft(half & Vector256.Create(0x8000u), 16)).AsSingle();
    }
}

/// <summary>The f16 rules, for <see cref="HalfWidthSpans"/>.</summary>
internal readonly struct HalfLanes : IHalfWidthFormat
{
    public static ushort FromSingle(float value) => HalfConversion.FromSingle(value);
    public static float ToSingle(ushort bits) => HalfConversion.ToSingle(bits);
    public static Vector256<uint> Round(Vector256<uint> floatBits) => HalfConversion.Round(floatBits);
    public static Vector256<float> Expand(Vector256<uint> bits) => HalfConversion.Expand(bits);
}
