using System.Text.Json;

namespace Mixtral.Gateway.OpenAi;

/// <summary>The sampling fields POST /v1/chat/completions and /v1/completions share (OpenAI names; top_k and repetition_penalty are TGI's extensions).</summary>
public abstract record OpenAiSamplingFields
{
    public string? Model { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    /// <summary>A string or an array of strings.</summary>
    public JsonElement? Stop { get; init; }
    public int? N { get; init; }
    public bool? Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }
    public int? TopK { get; init; }
    public double? RepetitionPenalty { get; init; }
}

public sealed record StreamOptions(bool? IncludeUsage);

/// <summary>POST /v1/chat/completions.</summary>
public sealed record ChatCompletionRequest : OpenAiSamplingFields
{
    public IReadOnlyList<ChatMessageInput?>? Messages { get; init; }
    /// <summary>The newer name of max_tokens; either may be given.</summary>
    public int? MaxCompletionTokens { get; init; }
}

/// <summary>One chat turn: content is a string or an array of {"type":"text","text":…} parts.</summary>
public sealed record ChatMessageInput(string? Role, JsonElement? Content);

/// <summary>POST /v1/completions: prompt is a string, an array of one string, or an array of token ids.</summary>
public sealed record CompletionRequest : OpenAiSamplingFields
{
    public JsonElement? Prompt { get; init; }
    public bool? Echo { get; init; }
}
