namespace Mixtral.Cluster.Contracts.Tests.Wire;

/// <summary>
/// An independent bf16 rounding oracle: take the two bf16 values bracketing x (truncation and the next one up)
/// and pick the nearer by exact distance in double, ties to the even bit pattern. It shares no code or trick
/// with the product's bias-add-and-shift. Past the largest finite bf16 the "next one up" is 2^128, which is
/// where IEEE rounding puts the overflow threshold.
/// </summary>
internal static class BFloat16Reference
{
    public static ushort Round(float x)
    {
        if (float.IsNaN(x)) throw new ArgumentException("NaN has no nearest value", nameof(x));
        uint bits = BitConverter.SingleToUInt32Bits(x);
        ushort sign = (ushort)((bits >> 16) & 0x8000);
        ushort below = (ushort)((bits >> 16) & 0x7FFF);
        double magnitude = Math.Abs((double)x);
        double low = Value(below);
        if (low == magnitude) return (ushort)(below | sign);
        double high = below == 0x7F7F ? Math.Pow(2, 128) : Value((ushort)(below + 1));
        double toLow = magnitude - low, toHigh = high - magnitude;
        ushort chosen = toLow < toHigh ? below
            : toLow > toHigh ? (ushort)(below + 1)
            : (below & 1) == 0 ? below : (ushort)(below + 1);
        return (ushort)(chosen | sign);
    }

    private static double Value(ushort bf16) => BitConverter.UInt32BitsToSingle((uint)bf16 << 16);
}
