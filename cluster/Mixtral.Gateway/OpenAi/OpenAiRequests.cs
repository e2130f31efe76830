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

    // OpenAI fields not implemented here: read only so that a value other than their neutral one can be refused
    // (OpenAiUnsupportedFields), not silently ignored.
    public double? FrequencyPenalty { get; init; }
    public double? PresencePenalty { get; init; }
    public JsonElement? LogitBias { get; init; }
}

public sealed record StreamOptions(bool? IncludeUsage);

/// <summary>POST /v1/chat/completions.</summary>
public sealed record ChatCompletionRequest : OpenAiSamplingFields
{
    public IReadOnlyList<ChatMessageInput?>? Messages { get; init; }
    /// <summary>The newer name of max_tokens; either may be given.</summary>
    public int? MaxCompletionTokens { get; init; }

    // Not implemented; refused unless neutral (OpenAiUnsupportedFields).
    public bool? Logprobs { get; init; }
    public int? TopLogprobs { get; init; }
    public JsonElement? ResponseFormat { get; init; }
    public JsonElement? Tools { get; init; }
    public JsonElement? ToolChoice { get; init; }
    public JsonElement? Functions { get; init; }
    public JsonElement? FunctionCall { get; init; }
    public JsonElement? Modalities { get; init; }
    public JsonElement? Audio { get; init; }
    public JsonElement? Prediction { get; init; }
    public JsonElement? ReasoningEffort { get; init; }
    public JsonElement? WebSearchOptions { get; init; }
}

/// <summary>One chat turn: content is a string or an array of {"type":"text","text":…} parts.</summary>
public sealed record ChatMessageInput(string? Role, JsonElement? Content);

/// <summary>POST /v1/completions: prompt is a string, an array of one string, or an array of token ids.</summary>
public sealed record CompletionRequest : OpenAiSamplingFields
{
    public JsonElement? Prompt { get; init; }
    public bool? Echo { get; init; }

    // Not implemented; refused unless neutral (OpenAiUnsupportedFields).
    public int? Logprobs { get; init; }
    public int? BestOf { get; init; }
    public string? Suffix { get; init; }
}
