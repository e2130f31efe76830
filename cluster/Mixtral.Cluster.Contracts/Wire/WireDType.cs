namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>
/// Element type of a hidden-state blob on the wire. bf16 is the default: it is the checkpoint's own dtype,
/// keeps float32's range (no overflow in the residual stream) and halves the bytes per step.
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

    public static WireDType Parse(string name) => name.ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => WireDType.BFloat16,
        "f16" or "fp16" or "float16" => WireDType.Float16,
        "f32" or "fp32" or "float32" => WireDType.Float32,
        _ => throw new ArgumentException($"wire dtype \"{name}\" is not one of bf16, f16, f32", nameof(name)),
    };
}
