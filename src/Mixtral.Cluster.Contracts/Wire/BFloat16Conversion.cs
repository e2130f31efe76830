using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
    public static void Narrow(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        SpanLengths.RequireEqual(source.Length, destination.Length, "bf16 narrow");
        ref float src = ref MemoryMarshal.GetReference(source);
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            const int Step = 2 * 8; // two float vectors narrow into one vector of 16 ushorts
            for (; i <= source.Length - Step; i += Step)
            {
                Vector256<uint> low = Round(Vector256.LoadUnsafe(ref src, (nuint)i).AsUInt32());
                Vector256<uint> high = Round(Vector256.LoadUnsafe(ref src, (nuint)(i + 8)).AsUInt32());
                Vector256.Narrow(low, high).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref dst, i) = FromSingle(Unsafe.Add(ref src, i));
    }

    /// <summary>Widens every bf16 of <paramref name="source"/> into <paramref name="destination"/> (same length). Exact.</summary>
    public static void Widen(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        SpanLengths.RequireEqual(source.Length, destination.Length, "bf16 widen");
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            const int Step = 16;
            for (; i <= source.Length - Step; i += Step)
            {
                (Vector256<uint> low, Vector256<uint> high) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                Vector256.ShiftLeft(low, 16).AsSingle().StoreUnsafe(ref dst, (nuint)i);
                Vector256.ShiftLeft(high, 16).AsSingle().StoreUnsafe(ref dst, (nuint)(i + 8));
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref dst, i) = ToSingle(Unsafe.Add(ref src, i));
    }

    /// <summary><see cref="FromSingle"/> on 8 lanes, result in the low 16 bits of each lane.</summary>
    private static Vector256<uint> Round(Vector256<uint> bits)
    {
        Vector256<uint> lsb = Vector256.ShiftRightLogical(bits, 16) & Vector256.Create(1u);
        Vector256<uint> rounded = Vector256.ShiftRightLogical(bits + Vector256.Create(0x7FFFu) + lsb, 16);
        // |bits| < 2^31, so a signed compare is exact and cheaper than an unsigned one on AVX2.
        Vector256<uint> isNaN = Vector256.GreaterThan(
            (bits & Vector256.Create(0x7FFF_FFFFu)).AsInt32(), Vector256.Create(0x7F80_0000)).AsUInt32();
        return Vector256.ConditionalSelect(isNaN, Vector256.Create((uint)CanonicalNaN), rounded);
    }
}
