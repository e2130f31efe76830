using System.Globalization;

namespace Mixtral.Bench.LongPrefill;

/// <summary>The `long-prefill` command's options, checked once with messages that name the flag.</summary>
public sealed record LongPrefillOptions(string Model, int Threads, int Streams, int PromptTokens, IReadOnlyList<int> Chunks, int Repeats, string Output)
{
    /// <summary>Prompt length of each running stream, and how many tokens each has decoded before the long prompt arrives.</summary>
    public const int StreamPromptTokens = 32, TokensBeforeArrival = 8;

    /// <summary>Tokens the long prompt generates: a few, so the streams' latency after its prefill shows too.</summary>
    public const int LongNewTokens = 4;

    public static IReadOnlyList<int> ParseChunks(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c =>
            int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"--chunks: \"{c}\" is not a whole number"))];

    public void Validate(int contextLength)
    {
        if (Threads < 1) throw new ArgumentException($"--threads must be at least 1, got {Threads}");
        if (Streams < 1) throw new ArgumentException($"--streams must be at least 1, got {Streams}");
        if (PromptTokens < 2) throw new ArgumentException($"--prompt-tokens must be at least 2, got {PromptTokens}");
        if (PromptTokens + LongNewTokens > contextLength)
            throw new ArgumentException($"--prompt-tokens {PromptTokens} + {LongNewTokens} new tokens exceed the model's context of {contextLength}");
        if (Repeats < 1) throw new ArgumentException($"--repeats must be at least 1, got {Repeats}");
        if (Chunks.Count == 0) throw new ArgumentException("--chunks: give at least one chunk size (0 = off)");
    }
}
