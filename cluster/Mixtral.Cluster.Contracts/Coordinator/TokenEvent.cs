namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// One generated token and the text that became safe to show with it. The final event of a stream has
/// <see cref="Summary"/> set (and may carry text released at the end).
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.TokenEvent")]
public sealed record TokenEvent(
    [property: Id(0)] int TokenId,
    [property: Id(1)] string Text,
    [property: Id(2)] GenerationSummary? Summary = null,
    [property: Id(3)] TokenProbabilities? Logprobs = null);

/// <summary>A token with its text (the piece as it reads, a leading space included), its UTF-8 bytes, its
/// log-probability, and whether it is a control token (&lt;s&gt;, &lt;/s&gt;, &lt;unk&gt;).</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.TokenProbability")]
public sealed record TokenProbability(
    [property: Id(0)] int TokenId,
    [property: Id(1)] string Text,
    [property: Id(2)] byte[] Bytes,
    [property: Id(3)] double Logprob,
    [property: Id(4)] bool Special);

/// <summary>The generated token's log-probability and the most likely alternatives at its step, most likely first.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.TokenProbabilities")]
public sealed record TokenProbabilities(
    [property: Id(0)] TokenProbability Chosen,
    [property: Id(1)] TokenProbability[] Top);

/// <summary>How a generation ended, with the same fields as the single-process engine's result.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.GenerationSummary")]
public sealed record GenerationSummary(
    [property: Id(0)] int[] GeneratedIds,
    [property: Id(1)] string Text,
    [property: Id(2)] string FinishReason,
    [property: Id(3)] int PromptTokens,
    [property: Id(4)] double TimeToFirstTokenMs,
    [property: Id(5)] double DurationMs,
    [property: Id(6)] ulong Seed);
