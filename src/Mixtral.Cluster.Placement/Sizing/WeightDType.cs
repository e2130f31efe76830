namespace Mixtral.Cluster.Placement.Sizing;

/// <summary>The dtype a node keeps weights in, for memory planning.</summary>
public enum WeightDType { BFloat16, Float16, Float32, Int8, Q4 }

public static class WeightDTypeNames
{
    public static string ShortName(this WeightDType dtype) => dtype switch
    {
        WeightDType.BFloat16 => "bf16",
        WeightDType.Float16 => "f16",
        WeightDType.Float32 => "f32",
        WeightDType.Int8 => "int8",
        WeightDType.Q4 => "q4",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static WeightDType Parse(string name) => name.ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => WeightDType.BFloat16,
        "f16" or "fp16" or "float16" => WeightDType.Float16,
        "f32" or "fp32" or "float32" => WeightDType.Float32,
        "int8" => WeightDType.Int8,
        "q4" => WeightDType.Q4,
        _ => throw new ArgumentException($"--dtype \"{name}\" is not one of bf16, f16, f32, int8, q4", nameof(name)),
    };
}
