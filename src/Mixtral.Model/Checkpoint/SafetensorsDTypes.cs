using TorchSharp;

namespace Mixtral.Model.Checkpoint;

/// <summary>What each <see cref="SafetensorsDType"/> means: its size on disk and its torch element type.</summary>
public static class SafetensorsDTypes
{
    /// <summary>The dtypes a model weight may be stored in.</summary>
    public static IReadOnlyList<SafetensorsDType> WeightDTypes { get; } =
        [SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16];

    /// <summary>The dtype a header string names ("BF16"), or null for any other string (numbers and lists included).</summary>
    public static SafetensorsDType? Parse(string name) =>
        // IsDefined: Enum.TryParse also takes numbers, and an undefined one ("99") prints as itself.
        Enum.TryParse(name, ignoreCase: false, out SafetensorsDType dtype) && Enum.IsDefined(dtype) && name == dtype.ToString()
            ? dtype
            : null;

    public static int ElementSize(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>The torch element type with the same bytes, or null where torch has none (unsigned wider than 8 bits, fp8).</summary>
    public static torch.ScalarType? ToScalarType(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL => torch.ScalarType.Bool,
        SafetensorsDType.U8 => torch.ScalarType.Byte,
        SafetensorsDType.I8 => torch.ScalarType.Int8,
        SafetensorsDType.I16 => torch.ScalarType.Int16,
        SafetensorsDType.F16 => torch.ScalarType.Float16,
        SafetensorsDType.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDType.I32 => torch.ScalarType.Int32,
        SafetensorsDType.F32 => torch.ScalarType.Float32,
        SafetensorsDType.F64 => torch.ScalarType.Float64,
        SafetensorsDType.I64 => torch.ScalarType.Int64,
        _ => null,
    };

    /// <summary>The safetensors dtype that stores a torch element type, or null where the format has none (complex, quantized).</summary>
    public static SafetensorsDType? FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Bool => SafetensorsDType.BOOL,
        torch.ScalarType.Byte => SafetensorsDType.U8,
        torch.ScalarType.Int8 => SafetensorsDType.I8,
        torch.ScalarType.Int16 => SafetensorsDType.I16,
        torch.ScalarType.Float16 => SafetensorsDType.F16,
        torch.ScalarType.BFloat16 => SafetensorsDType.BF16,
        torch.ScalarType.Int32 => SafetensorsDType.I32,
        torch.ScalarType.Float32 => SafetensorsDType.F32,
        torch.ScalarType.Float64 => SafetensorsDType.F64,
        torch.ScalarType.Int64 => SafetensorsDType.I64,
        _ => null,
    };
}
