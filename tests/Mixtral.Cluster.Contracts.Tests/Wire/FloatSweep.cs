namespace Mixtral.Cluster.Contracts.Tests.Wire;

/// <summary>
/// Float bit patterns that reach every rounding case: each of the 65,536 upper halves (every sign, exponent,
/// kept mantissa, Inf and NaN) combined with low halves just below, at and just above a bf16 tie, plus random ones.
/// </summary>
internal static class FloatSweep
{
    private static readonly ushort[] LowHalves = [0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF];

    public static float[] Values(int seed = 7)
    {
        var random = new Random(seed);
        var values = new List<float>(65536 * (LowHalves.Length + 2));
        for (uint high = 0; high <= 0xFFFF; high++)
        {
            foreach (ushort low in LowHalves) values.Add(BitConverter.UInt32BitsToSingle(high << 16 | low));
            values.Add(BitConverter.UInt32BitsToSingle(high << 16 | (uint)random.Next(0x10000)));
            values.Add(BitConverter.UInt32BitsToSingle(high << 16 | (uint)random.Next(0x10000)));
        }
        return [.. values];
    }
}
