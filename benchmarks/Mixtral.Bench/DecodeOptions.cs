namespace Mixtral.Bench;

/// <summary>The `decode` command's options, checked once with messages that name the flag.</summary>
public sealed record DecodeOptions(string Model, int Threads, int Tokens, int Batch, int PrefillTokens, string Weights, string Output, string? RealLayer = null)
{
    /// <summary>--weights: "all" (f32, bf16, int8, q4), "both" (f32 and bf16), or a comma list.</summary>
    public IReadOnlyList<WeightVariant> Variants => Weights switch
    {
        "all" => WeightVariant.All,
        "both" => [WeightVariant.Named("f32"), WeightVariant.Named("bf16")],
        _ => [.. Weights.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(WeightVariant.Named)],
    };

    public void Validate()
    {
        if (Threads < 1) throw new ArgumentException($"--threads must be at least 1, got {Threads}");
        if (Tokens < 2) throw new ArgumentException($"--tokens must be at least 2 (decode speed needs tokens after the first), got {Tokens}");
        if (Batch < 2) throw new ArgumentException($"--batch must be at least 2, got {Batch}");
        if (PrefillTokens < 2) throw new ArgumentException($"--prefill-tokens must be at least 2, got {PrefillTokens}");
        if (Variants[0].Key != "f32") throw new ArgumentException($"--weights must start with f32 (every other format is compared with it), got \"{Weights}\"");
        if (RealLayer is not null && !Directory.Exists(RealLayer)) throw new ArgumentException($"--real-layer: no model folder at {RealLayer}");
    }
}
