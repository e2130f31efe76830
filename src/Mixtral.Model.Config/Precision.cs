namespace Mixtral.Model.Config;

/// <summary>
/// The number formats weights are kept in, computed in or sent in. Named once here: every flag, config key and report
/// (--dtype, --weights, --wire-dtype, plan sizing; int8 and q4 are weight formats only) reads and writes these names, so they can never drift apart.
/// </summary>
public enum Precision
{
    Float32,
    BFloat16,
    Float16,
    /// <summary>8-bit symmetric integers with a float32 scale per group of 32 (expert weights only).</summary>
    Int8,
    /// <summary>4-bit symmetric integers per group of 32, each group's scale an int8 multiple of a float32 per 256 weights (expert weights only).</summary>
    Q4,
}

public static class Precisions
{
    public static string ShortName(this Precision precision) => precision switch
    {
        Precision.Float32 => "f32",
        Precision.BFloat16 => "bf16",
        Precision.Float16 => "f16",
        Precision.Int8 => "int8",
        Precision.Q4 => "q4",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>Parses a name (f32, bf16, f16, int8 and their long forms); <paramref name="what"/> names the flag or key in the error.</summary>
    public static Precision Parse(string name, string what, params Precision[] allowed)
    {
        Precision? parsed = name.Trim().ToLowerInvariant() switch
        {
            "f32" or "fp32" or "float32" => Precision.Float32,
            "bf16" or "bfloat16" => Precision.BFloat16,
            "f16" or "fp16" or "float16" or "half" => Precision.Float16,
            "int8" or "i8" => Precision.Int8,
            "q4" or "int4" => Precision.Q4,
            _ => null,
        };
        if (allowed.Length == 0) allowed = Enum.GetValues<Precision>();
        if (parsed is not Precision p || !allowed.Contains(p))
            throw new ArgumentException($"{what}: \"{name}\" is not one of {string.Join(", ", allowed.Select(ShortName))}");
        return p;
    }
}
