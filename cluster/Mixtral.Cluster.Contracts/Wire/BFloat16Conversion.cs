using System.Runtime.Intrinsics;

namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>
/// float32 ↔ bfloat16 (the top 16 bits of a float32), bit-exact with PyTorch's <c>c10::BFloat16</c>:
/// round to nearest, ties to even; overflow rounds to ±Inf; ±Inf and ±0 keep their sign; every NaN becomes
/// the canonical quiet NaN 0x7FC0 (c10's scalar rule; ATen's AVX2 kernel writes 0xFFFF instead, which is also
/// a NaN: the two agree on every number). Runs 16 floats per step with Vector256 where the CPU has it.
/// </summary>
public static class BFloat16Conversion
{
    public const ushort CanonicalNaN = 0x7FC0;

    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u) return CanonicalNaN;
        // Adding 0x7FFF plus the lowest kept bit rounds to nearest and breaks ties toward the even result.
        return (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
    }

    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Rounds every float of <paramref name="source"/> into <paramref name="destination"/> (same length).</summary>
    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination) =>
        HalfWidthSpans.Narrow<BFloat16Lanes>(source, destination, "bf16 narrow");

    /// <summary>Widens every bf16 of <paramref name="source"/> into <paramref name="destination"/> (same length). Exact.</summary>
    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination) =>
        HalfWidthSpans.Widen<BFloat16Lanes>(source, destination, "bf16 widen");

    /// <summary><see cref="FromSingle"/> on 8 lanes, result in the low 16 bits of each lane.</summary>
    internal static Vector256<uint> Round(Vector256<uint> bits)
    {
        Vector256<uint> lsb = Vector256.ShiftRightLogical(bits, 16) & Vector256.Create(1u);
        Vector256<uint> rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + lsb, 16);
        // |bits| < 2^31, so a signed compare is exact and cheaper than an unsigned one on AVX2.
        Vector256<uint> isNaN = Vector256.GreaterThan(
            (bits & Vector256.Create(0x7FFF_FFFFu)).AsInt32(), Vector256.Create(0x7F80_0000)).AsUInt32();
        return Vector256.ConditionalSelect(isNaN, Vector256.Create((uint)CanonicalNaN), rounded);
    }

    /// <summary>bf16 bits (low 16 of each lane) to float32 on 8 lanes: exact, a shift.</summary>
    internal static Vector256<float> Expand(Vector256<uint> bits) => Vector256.ShiftLeft(bits, 16).AsSingle();
}

/// <summary>The bf16 rules, for <see cref="HalfWidthSpans"/>.</summary>
internal readonly struct BFloat16Lanes : IHalfWidthFormat
{
    public static ushort FromSingle(float value) => BFloat16Conversion.FromSingle(value);
    public static float ToSingle(ushort bits) => BFloat16Conversion.ToSingle(bits);
    public static Vector256<uint> Round(Vector256<uint> floatBits) => BFloat16Conversion.Round(floatBits);
    public static Vector256<float> Expand(Vector256<uint> bits) => BFloat16Conversion.Expand(bits);
}
