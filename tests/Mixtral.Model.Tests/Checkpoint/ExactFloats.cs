using System.Buffers.Binary;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// Widening bf16 and f16 to f32 is exact, so checkpoint tests compare bit patterns: no tolerance anywhere.
/// The conversions here are done by hand from raw bytes, independently of torch.
/// </summary>
internal static class ExactFloats
{
    /// <summary>bf16 is the top half of an f32: shift the 16 bits up.</summary>
    public static float[] FromBFloat16(byte[] raw) =>
        [.. Enumerable.Range(0, raw.Length / 2)
            .Select(i => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)) << 16))];

    public static float[] FromFloat16(byte[] raw) =>
        [.. Enumerable.Range(0, raw.Length / 2)
            .Select(i => (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(2 * i)))];

    public static float[] FromFloat32(byte[] raw) =>
        [.. Enumerable.Range(0, raw.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i)))];

    public static void AssertBitwiseEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
