using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>The per-value and per-8-lane rules of one 16-bit float format (bf16, f16).</summary>
internal interface IHalfWidthFormat
{
    static abstract ushort FromSingle(float value);
    static abstract float ToSingle(ushort bits);
    /// <summary><see cref="FromSingle"/> on 8 lanes, the result in the low 16 bits of each lane.</summary>
    static abstract Vector256<uint> Round(Vector256<uint> floatBits);
    /// <summary><see cref="ToSingle"/> on 8 lanes holding 16-bit values.</summary>
    static abstract Vector256<float> Expand(Vector256<uint> bits);
}

/// <summary>
/// The span loops shared by the 16-bit formats: 16 values per step with Vector256 where the CPU has it, then a
/// scalar tail. Generic over the format so each instantiation is compiled with its rules inlined.
/// </summary>
internal static class HalfWidthSpans
{
    public static void Narrow<TFormat>(ReadOnlySpan<float> source, Span<ushort> destination, string what) where TFormat : IHalfWidthFormat
    {
        SpanLengths.RequireEqual(source.Length, destination.Length, what);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref ushort dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            const int Step = 2 * 8; // two float vectors narrow into one vector of 16 ushorts
            for (; i <= source.Length - Step; i += Step)
            {
                Vector256<uint> low = TFormat.Round(Vector256.LoadUnsafe(ref src, (nuint)i).AsUInt32());
                Vector256<uint> high = TFormat.Round(Vector256.LoadUnsafe(ref src, (nuint)(i + 8)).AsUInt32());
                Vector256.Narrow(low, high).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref dst, i) = TFormat.FromSingle(Unsafe.Add(ref src, i));
    }

    public static void Widen<TFormat>(ReadOnlySpan<ushort> source, Span<float> destination, string what) where TFormat : IHalfWidthFormat
    {
        SpanLengths.RequireEqual(source.Length, destination.Length, what);
        ref ushort src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            const int Step = 16; // one vector of 16 ushorts widens into two float vectors
            for (; i <= source.Length - Step; i += Step)
            {
                (Vector256<uint> low, Vector256<uint> high) = Vector256.Widen(Vector256.LoadUnsafe(ref src, (nuint)i));
                TFormat.Expand(low).StoreUnsafe(ref dst, (nuint)i);
                TFormat.Expand(high).StoreUnsafe(ref dst, (nuint)(i + 8));
            }
        }
        for (; i < source.Length; i++)
            Unsafe.Add(ref dst, i) = TFormat.ToSingle(Unsafe.Add(ref src, i));
    }
}
