using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MessagePack;
using Microsoft.Extensions.DependencyInjection;
using Mixtral.Cluster.Contracts.Wire;
using Orleans.Serialization;

namespace Mixtral.Benchmarks.Wire;

/// <summary>
/// One expert call's payload at realistic sizes (rows × 4096, the 8x7B hidden size): the Orleans codec against a
/// MessagePack-encoded equivalent (serialise + deserialise to a usable batch), and the f32 ↔ bf16 conversion
/// that happens on either side of the wire once per layer per step.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WireCodecBenchmarks
{
    private const int Hidden = 4096;

    private ServiceProvider _services = null!;
    private Serializer<HiddenStateBatch> _orleans = null!;
    private float[] _rows = null!;
    private float[] _decoded = null!;
    private HiddenStateBatch _batch = null!;

    [Params(1, 8, 64, 512)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(HiddenStateBatch).Assembly)).BuildServiceProvider();
        _orleans = _services.GetRequiredService<Serializer<HiddenStateBatch>>();
        var random = new Random(42);
        _rows = Enumerable.Range(0, Rows * Hidden).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        _decoded = new float[Rows * Hidden];
        _batch = HiddenStateBatch.Encode(_rows, Rows, Hidden, WireDType.BFloat16);
        Console.WriteLine($"// wire bytes for {Rows} rows: orleans {_orleans.SerializeToArray(_batch).Length}, " +
                          $"messagepack {MessagePackSerializer.Serialize(ToMessagePack(_batch)).Length}, payload {_batch.Payload.Length}");
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true), BenchmarkCategory("round trip")]
    public HiddenStateBatch Orleans() => _orleans.Deserialize(_orleans.SerializeToArray(_batch))!;

    [Benchmark, BenchmarkCategory("round trip")]
    public HiddenStateBatch MessagePack()
    {
        byte[] bytes = MessagePackSerializer.Serialize(ToMessagePack(_batch));
        var back = MessagePackSerializer.Deserialize<MessagePackHiddenStateBatch>(bytes);
        return HiddenStateBatch.FromPayload(back.Rows, back.HiddenSize, (WireDType)back.DType, back.Payload);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("bf16 conversion")]
    public HiddenStateBatch EncodeBf16() => HiddenStateBatch.Encode(_rows, Rows, Hidden, WireDType.BFloat16);

    [Benchmark, BenchmarkCategory("bf16 conversion")]
    public float[] DecodeBf16()
    {
        _batch.DecodeInto(_decoded);
        return _decoded;
    }

    private static MessagePackHiddenStateBatch ToMessagePack(HiddenStateBatch batch) =>
        // The payload is the batch's own whole array: hand it over without a copy, as a real transport would.
        MemoryMarshal.TryGetArray(batch.Payload, out ArraySegment<byte> whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length
            ? new MessagePackHiddenStateBatch(batch.Rows, batch.HiddenSize, (byte)batch.DType, whole.Array)
            : new MessagePackHiddenStateBatch(batch.Rows, batch.HiddenSize, (byte)batch.DType, batch.Payload.ToArray());
}
