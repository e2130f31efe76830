namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// A generation request as it crosses the wire. Exactly one prompt form: token ids (used as given), plain text
/// (BOS is added) or chat messages (rendered with the model's chat template). The coordinator tokenizes, so a
/// client needs no tokenizer and no model folder.
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.GenerateRequest")]
public sealed record GenerateRequest
{
    [Id(0)] public int[]? PromptIds { get; init; }
    [Id(1)] public string? PromptText { get; init; }
    [Id(2)] public ChatTurn[]? Messages { get; init; }
    [Id(3)] public int MaxNewTokens { get; init; } = 64;
    [Id(4)] public bool DoSample { get; init; }
    [Id(5)] public double Temperature { get; init; } = 1.0;
    [Id(6)] public int TopK { get; init; }
    [Id(7)] public double TopP { get; init; } = 1.0;
    [Id(8)] public double RepetitionPenalty { get; init; } = 1.0;
    [Id(9)] public ulong? Seed { get; init; }
    [Id(10)] public string[] StopSequences { get; init; } = [];
    /// <summary>Report each token's log-probability and this many most likely alternatives (0..<see cref="MaxTopLogprobs"/>); null: none.</summary>
    [Id(11)] public int? TopLogprobs { get; init; }

    /// <summary>The most alternatives per token a request may ask for (OpenAI's top_logprobs limit).</summary>
    public const int MaxTopLogprobs = 20;
}

/// <summary>One turn of a chat prompt.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.ChatTurn")]
public sealed record ChatTurn([property: Id(0)] string Role, [property: Id(1)] string Content);
