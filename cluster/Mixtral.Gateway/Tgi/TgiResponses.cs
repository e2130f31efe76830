using System.Text.Json.Serialization;

namespace Mixtral.Gateway.Tgi;

// TGI's response shapes. A token's logprob is the model's (log_softmax of its raw logits); top_n_tokens adds alternatives.

public sealed record TgiGenerateResponse(string GeneratedText, TgiDetails? Details);

public sealed record TgiDetails(string FinishReason, int GeneratedTokens,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ulong? Seed,
    IReadOnlyList<TgiToken>? Prefill = null, IReadOnlyList<TgiToken>? Tokens = null)
{
    /// <summary>Per generated token, its top_n_tokens alternatives; null unless asked for.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<IReadOnlyList<TgiToken>>? TopTokens { get; init; }
}

public sealed record TgiToken(int Id, string Text, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Logprob, bool Special);

public sealed record TgiStreamEvent(int Index, TgiToken Token,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? GeneratedText,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] TgiDetails? Details,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] object? TopTokens = null);

public sealed record TgiInfo(string ModelId, string? ModelSha, string ModelPipelineTag,
    int MaxConcurrentRequests, int MaxBatchSize, int MaxBestOf, int MaxStopSequences, int MaxInputTokens, int MaxTotalTokens, int MaxBatchPrefillTokens,
    int MaxClientBatchSize, string Router, string Version, string ModelFingerprint, int VocabSize);

/// <summary>TGI's error body: {"error","error_type"}.</summary>
public sealed record TgiErrorBody(string Error, string ErrorType);
