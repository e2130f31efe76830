using Mixtral.Cluster.Contracts.Wire;

namespace Mixtral.Cluster.Contracts.Tests.Wire;

public class HiddenStateBatchTests
{
    private static float[] Rows(int rows, int hidden) =>
        Enumerable.Range(0, rows * hidden).Select(i => MathF.Sin(i * 0.37f) * (1 + i % 13)).ToArray();

    [Fact]
    public void Bf16_round_trip_equals_the_independently_rounded_values()
    {
        float[] rows = Rows(5, 96);
        var batch = HiddenStateBatch.Encode(rows, 5, 96, WireDType.BFloat16);

        Assert.Equal((5, 96, WireDType.BFloat16), (batch.Rows, batch.HiddenSize, batch.DType));
        Assert.Equal(5 * 96 * 2, batch.Payload.Length);
        float[] expected = rows.Select(v => BitConverter.UInt32BitsToSingle((uint)BFloat16Reference.Round(v) << 16)).ToArray();
        Assert.Equal(expected, batch.Decode());
    }

    [Fact]
    public void F16_round_trip_equals_system_half_rounding()
    {
        float[] rows = Rows(3, 50); // 150 elements: vector blocks and a scalar tail
        var batch = HiddenStateBatch.Encode(rows, 3, 50, WireDType.Float16);
        Assert.Equal(300, batch.Payload.Length);
        Assert.Equal(rows.Select(v => (float)(Half)v).ToArray(), batch.Decode());
    }

    [Fact]
    public void F32_round_trip_is_exact()
    {
        float[] rows = [.. Rows(2, 8), float.NaN, float.NegativeInfinity, -0f, float.Epsilon];
        var batch = HiddenStateBatch.Encode(rows, 4, 5, WireDType.Float32);
        Assert.Equal(rows.Select(BitConverter.SingleToUInt32Bits), batch.Decode().Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void Bf16_checkpoint_weights_cross_bit_for_bit()
    {
        // The tiny model's expert weights are bf16 as transformers saved them: widened to float32 and encoded
        // again, they must come back as the very same bytes (bf16 → f32 → bf16 is the identity).
        var (dtype, bytes) = TinyCheckpointBytes.Read("model.layers.0.block_sparse_moe.experts.0.w1.weight");
        Assert.Equal("BF16", dtype);
        float[] widened = new float[bytes.Length / 2];
        for (int i = 0; i < widened.Length; i++)
            widened[i] = BitConverter.UInt32BitsToSingle((uint)BitConverter.ToUInt16(bytes, 2 * i) << 16);

        var batch = HiddenStateBatch.Encode(widened, 256, 128, WireDType.BFloat16);
        Assert.Equal(bytes, batch.Payload.ToArray());
        Assert.Equal(widened, batch.Decode());
    }

    [Fact]
    public void Empty_batch_is_allowed()
    {
        var batch = HiddenStateBatch.Encode([], 0, 4096, WireDType.BFloat16);
        Assert.Empty(batch.Decode());
    }

    [Fact]
    public void Payload_of_the_wrong_length_is_named_precisely()
    {
        var e = Assert.Throws<WireFormatException>(() => HiddenStateBatch.FromPayload(8, 4096, WireDType.BFloat16, new byte[65000]));
        Assert.Equal("hidden-state batch: 8 rows × 4096 bf16 needs 65536 bytes, got 65000", e.Message);
    }

    [Theory]
    [InlineData(-1, 4096, WireDType.BFloat16, "hidden-state batch: rows must be ≥ 0, got -1")]
    [InlineData(8, 0, WireDType.Float32, "hidden-state batch: hidden size must be positive, got 0")]
    [InlineData(8, 4096, (WireDType)9, "hidden-state batch: unknown dtype code 9")]
    [InlineData(300_000, 4096, WireDType.Float32, "hidden-state batch: 300000 rows × 4096 f32 is 4915200000 bytes, over the 2147483591-byte limit of one blob")]
    public void Impossible_header_is_named(int rows, int hidden, WireDType dtype, string expected)
    {
        var e = Assert.Throws<WireFormatException>(() => HiddenStateBatch.FromPayload(rows, hidden, dtype, new byte[16]));
        Assert.Equal(expected, e.Message);
    }

    [Fact]
    public void Encoding_the_wrong_number_of_floats_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => HiddenStateBatch.Encode(new float[32000], 8, 4096, WireDType.BFloat16));
        Assert.StartsWith("hidden-state batch: 8 rows × 4096 needs 32768 floats, got 32000", e.Message);
    }

    [Fact]
    public void Decoding_into_the_wrong_size_is_named()
    {
        var batch = HiddenStateBatch.Encode(new float[2 * 64], 2, 64, WireDType.BFloat16);
        var e = Assert.Throws<ArgumentException>(() => batch.DecodeInto(new float[100]));
        Assert.StartsWith("hidden-state batch: 2 rows × 64 decode into exactly 128 floats, destination holds 100", e.Message);
    }
}
