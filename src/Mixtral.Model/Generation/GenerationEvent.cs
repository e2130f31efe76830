using Mixtral.Model.Sampling;

namespace Mixtral.Model.Generation;

/// <summary>What a generation stream yields: tokens as they come, then exactly one <see cref="GenerationFinished"/>.</summary>
public abstract record GenerationEvent;

/// <summary>
/// One new token. <paramref name="Text"/> is the text that became safe to show with it: possibly empty (half a
/// UTF-8 character, or text held back because it could be the start of a stop sequence). <paramref name="Logprobs"/>:
/// its log-probability and the top alternatives, when the request asked (<see cref="SamplingParams.TopLogprobs"/>).
/// </summary>
public sealed record TokenGenerated(int TokenId, string Text, TokenLogprobs? Logprobs = null) : GenerationEvent;

public sealed record GenerationFinished(GenerationResult Result) : GenerationEvent;

/// <summary>The whole outcome of one generation.</summary>
public sealed record GenerationResult(
    IReadOnlyList<int> GeneratedIds,
    string Text,
    FinishReason FinishReason,
    int PromptTokens,
    TimeSpan TimeToFirstToken,
    TimeSpan Duration,
    ulong Seed)
{
    public int GeneratedTokens => GeneratedIds.Count;

    /// <summary>Decode speed: tokens after the first over the time after the first (the prefill is not decode).</summary>
    public double DecodeTokensPerSecond =>
        GeneratedTokens > 1 && Duration > TimeToFirstToken ? (GeneratedTokens - 1) / (Duration - TimeToFirstToken).TotalSeconds : 0;

    /// <summary>End-to-end speed: generated tokens over the whole request time, prefill included.</summary>
    public double TokensPerSecond => Duration > TimeSpan.Zero ? GeneratedTokens / Duration.TotalSeconds : 0;
}
