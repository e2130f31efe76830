namespace Mixtral.Bench;

/// <summary>The `decode` command's options, checked once with messages that name the flag.</summary>
public sealed record DecodeOptions(string Model, int Threads, int Tokens, int Batch, int PrefillTokens, string Weights, string Output)
{
    public void Validate()
    {
        if (Threads < 1) throw new ArgumentException($"--threads must be at least 1, got {Threads}");
        if (Tokens < 2) throw new ArgumentException($"--tokens must be at least 2 (decode speed needs tokens after the first), got {Tokens}");
        if (Batch < 2) throw new ArgumentException($"--batch must be at least 2, got {Batch}");
        if (PrefillTokens < 2) throw new ArgumentException($"--prefill-tokens must be at least 2, got {PrefillTokens}");
        if (Weights is not ("f32" or "both")) throw new ArgumentException($"--weights must be f32 or both, got \"{Weights}\"");
    }
}
