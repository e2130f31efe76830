using System.Reflection;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Mixtral.Cluster.Contracts.Wire;
using Orleans.Serialization;

namespace Mixtral.Cluster.Contracts.Tests.Wire;

/// <summary>
/// Property tests over hidden-state batches as a peer could send them: any header (rows, hidden size, dtype code)
/// with any payload length, carried through Orleans' codec, which fills the fields without a constructor. Decoding
/// either works (and only when the header and payload agree) or throws a <see cref="WireFormatException"/> naming the
/// batch's problem; nothing else, and nothing allocated beyond the payload that arrived.
/// </summary>
public sealed class HiddenStateBatchFuzzTests : IDisposable
{
    private static readonly ConstructorInfo Raw = typeof(HiddenStateBatch).GetConstructor(
        BindingFlags.NonPublic | BindingFlags.Instance, [typeof(int), typeof(int), typeof(WireDType), typeof(byte[])])!;

    private readonly ServiceProvider _services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(HiddenStateBatch).Assembly))
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    /// <summary>A batch as the deserializer builds it: fields set, nothing checked.</summary>
    private HiddenStateBatch OverTheWire(int rows, int hidden, byte dtype, byte[]? payload)
    {
        var forged = (HiddenStateBatch)Raw.Invoke([rows, hidden, (WireDType)dtype, payload]);
        var serializer = _services.GetRequiredService<Serializer<HiddenStateBatch>>();
        return serializer.Deserialize(serializer.SerializeToArray(forged))!;
    }

    private static readonly Gen<(int Rows, int Hidden, byte DType, int PayloadDelta)> Headers = Gen.Select(
        Gen.OneOf(Gen.Int[-3, 40], Gen.Int, Gen.Const(int.MaxValue), Gen.Const(int.MinValue)),
        Gen.OneOf(Gen.Int[-3, 64], Gen.Int, Gen.Const(int.MaxValue)),
        Gen.OneOf(Gen.Byte[0, 3], Gen.Byte),
        Gen.OneOf(Gen.Const(0), Gen.Int[-9, 9]));

    [Fact]
    public void Any_header_and_payload_decode_exactly_when_they_agree_and_are_otherwise_named()
    {
        Headers.Sample(h =>
        {
            bool known = Enum.IsDefined((WireDType)h.DType);
            long needed = known && h.Rows >= 0 && h.Hidden > 0 ? (long)h.Rows * h.Hidden * ((WireDType)h.DType).BytesPerElement() : 64;
            // Payloads stay small: a header that claims more than a megabyte gets a small payload, as an attacker's would.
            long length = needed <= 1 << 20 ? Math.Max(0, needed + h.PayloadDelta) : Math.Abs(h.PayloadDelta) * 100;
            var batch = OverTheWire(h.Rows, h.Hidden, h.DType, new byte[length]);
            bool agrees = known && h.Rows >= 0 && h.Hidden > 0 && length == needed;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var floats = batch.Decode(); // what a receiver calls first
                Assert.True(agrees, $"accepted {h.Rows} × {h.Hidden} dtype {h.DType} with {length} bytes");
                Assert.Equal((long)h.Rows * h.Hidden, floats.Length);
            }
            catch (WireFormatException e)
            {
                Assert.False(agrees, $"refused a consistent batch: {e.Message}");
                Assert.StartsWith("hidden-state batch: ", e.Message, StringComparison.Ordinal);
                Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "allocated while refusing");
            }
        }, iter: 3000);
    }

    [Theory]
    [InlineData(2, 8, WireDType.Float32, 63, "2 rows × 8 f32 needs 64 bytes, got 63")]
    [InlineData(2, 8, WireDType.BFloat16, 64, "2 rows × 8 bf16 needs 32 bytes, got 64")]
    [InlineData(2, 8, WireDType.Float16, 0, "2 rows × 8 f16 needs 32 bytes, got 0")]
    [InlineData(0, 8, WireDType.Float32, 4, "0 rows × 8 f32 needs 0 bytes, got 4")]
    [InlineData(65536, 65536, WireDType.Float32, 16, "65536 rows × 65536 f32 is 17179869184 bytes, over the")] // 2^34 claimed
    [InlineData(int.MaxValue, int.MaxValue, WireDType.BFloat16, 16, "over the 2147483591-byte limit of one blob")]
    [InlineData(32768, 32768, WireDType.BFloat16, 16, "32768 rows × 32768 bf16 is 2147483648 bytes, over the")] // Decode allocated 4 GiB first
    [InlineData(int.MinValue, 8, WireDType.Float32, 16, "rows must be ≥ 0, got -2147483648")]
    [InlineData(1, int.MinValue, WireDType.Float32, 16, "hidden size must be positive, got -2147483648")]
    [InlineData(1, 8, (WireDType)3, 32, "unknown dtype code 3")]
    [InlineData(1, 8, (WireDType)255, 32, "unknown dtype code 255")]
    public void Malformed_batch_from_the_wire_is_named(int rows, int hidden, WireDType dtype, int payload, string problem)
    {
        var batch = OverTheWire(rows, hidden, (byte)dtype, new byte[payload]);
        var error = Assert.Throws<WireFormatException>(() => batch.Decode());
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_without_a_payload_is_named()
    {
        var batch = OverTheWire(1, 8, (byte)WireDType.Float32, null);
        var error = Assert.Throws<WireFormatException>(() => batch.Decode());
        Assert.Contains("1 rows × 8 f32 needs 32 bytes, got 0", error.Message, StringComparison.Ordinal);
    }
}
