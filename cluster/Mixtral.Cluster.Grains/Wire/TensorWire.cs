using System.Runtime.InteropServices;
using Mixtral.Cluster.Contracts.Wire;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Wire;

/// <summary>Hidden-state rows between tensors and the wire: one float32 view, one vectorised conversion, no per-row work.</summary>
public static class TensorWire
{
    public static HiddenStateBatch ToWire(Tensor rows, WireDType dtype) // rows [n, D]
    {
        if (rows.ndim != 2) throw new ArgumentException($"expert rows must be [rows, hidden], got [{string.Join(", ", rows.shape)}]", nameof(rows));
        using var scope = NewDisposeScope(); // the intermediate views/copies die here
        var host = rows.to(ScalarType.Float32).cpu().contiguous();
        var values = MemoryMarshal.Cast<byte, float>(host.bytes);
        return HiddenStateBatch.Encode(values, (int)rows.shape[0], (int)rows.shape[1], dtype);
    }

    public static Tensor FromWire(HiddenStateBatch batch, Device device, ScalarType dtype)
    {
        var host = empty([batch.Rows, batch.HiddenSize], dtype: ScalarType.Float32);
        batch.DecodeInto(MemoryMarshal.Cast<byte, float>(host.bytes));
        if (device.type == DeviceType.CPU && dtype == ScalarType.Float32) return host;
        using (host) return host.to(dtype, device);
    }
}
