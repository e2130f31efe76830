namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>
/// Element type of a hidden-state blob on the wire. Nodes send f32 unless told otherwise: exact, so the cluster's
/// tokens are the single process's. bf16 (float32's range, the checkpoint's own dtype) and f16 halve the bytes.
/// </summary>
public enum WireDType : byte
{
    BFloat16 = 0,
    Float16 = 1,
    Float32 = 2,
}

/// <summary>Facts about each <see cref="WireDType"/>, in one place.</summary>
public static class WireDTypeInfo
{
    public static int BytesPerElement(this WireDType dtype) => dtype switch
    {
        WireDType.BFloat16 or WireDType.Float16 => 2,
        WireDType.Float32 => 4,
        _ => throw new WireFormatException($"hidden-state batch: unknown dtype code {(byte)dtype}"),
    };

    /// <summary>The short name used in messages and on the command line: bf16, f16, f32.</summary>
    public static string ShortName(this WireDType dtype) => dtype switch
    {
        WireDType.BFloat16 => "bf16",
        WireDType.Float16 => "f16",
        WireDType.Float32 => "f32",
        _ => $"dtype#{(byte)dtype}",
    };
}
