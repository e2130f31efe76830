using Mixtral.Cluster.Contracts.Wire;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Wire;

/// <summary>
/// Hidden-state rows between tensors and the wire. LibTorch converts to and from the wire dtype (round to nearest
/// even, the same as the contracts' own codec) and the bytes are copied once, with no float32 detour.
/// </summary>
public static class TensorWire
{
    public static HiddenStateBatch ToWire(Tensor rows, WireDType dtype) // rows [n, D]
    {
        if (rows.ndim != 2) throw new ArgumentException($"expert rows must be [rows, hidden], got [{string.Join(", ", rows.shape)}]", nameof(rows));
        using var scope = NewDisposeScope(); // the intermediate views/copies die here
        var host = rows.to(ScalarTypeOf(dtype)).cpu().contiguous();
        var payload = GC.AllocateUninitializedArray<byte>(host.bytes.Length);
        host.bytes.CopyTo(payload);
        return HiddenStateBatch.FromPayload((int)rows.shape[0], (int)rows.shape[1], dtype, payload);
    }

    public static Tensor FromWire(HiddenStateBatch batch, Device device, ScalarType dtype)
    {
        batch.Validate(); // a deserialised batch never went through a constructor: its header is checked here, once
        var host = empty([batch.Rows, batch.HiddenSize], dtype: ScalarTypeOf(batch.DType));
        batch.Payload.Span.CopyTo(host.bytes);
        if (device.type == DeviceType.CPU && host.dtype == dtype) return host;
        using (host) return host.to(dtype, device);
    }

    private static ScalarType ScalarTypeOf(WireDType dtype) => dtype switch
    {
        WireDType.Float32 => ScalarType.Float32,
        WireDType.BFloat16 => ScalarType.BFloat16,
        WireDType.Float16 => ScalarType.Float16,
        _ => throw new WireFormatException($"hidden-state batch: unknown dtype code {(byte)dtype}"),
    };
}
