using System.Text.Json.Serialization;

namespace Mixtral.Gateway.OpenAi;

// The OpenAI response shapes this server writes (snake_case on the wire). Nulls that OpenAI sends as null are kept.

public sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage);

public sealed record ChatChoice(int Index, AssistantMessage Message, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? Logprobs = null);

public sealed record AssistantMessage(string Role, string Content);

public sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, Usage? Usage = null);

public sealed record ChunkChoice(int Index, ChunkDelta Delta, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? Logprobs = null);

public sealed record ChunkDelta(string? Role = null, string? Content = null);

public sealed record Completion(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, Usage? Usage);

public sealed record CompletionChoice(int Index, string Text, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? Logprobs = null);

public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

public sealed record ModelCard(string Id, string Object, long Created, string OwnedBy, int ContextLength);

/// <summary>OpenAI's error body: {"error":{"message","type","param","code"}}.</summary>
public sealed record OpenAiErrorBody(OpenAiError Error);

public sealed record OpenAiError(string Message, string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);
