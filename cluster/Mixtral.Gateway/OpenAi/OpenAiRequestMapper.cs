using System.Text;
using System.Text.Json;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.OpenAi;

/// <summary>
/// The one place OpenAI requests are checked and turned into the cluster's <see cref="GenerateRequest"/>; every
/// refusal names the field. Greedy unless asked to sample: temperature 0 (or absent, with no top_p/top_k) decodes
/// greedily, as the rest of this project does; a temperature above 0, or top_p/top_k alone, samples.
/// </summary>
public static class OpenAiRequestMapper
{
    private static readonly string[] Roles = ["system", "user", "assistant"];
    private const int MaxStopSequences = 16;

    public static GenerateRequest Chat(ChatCompletionRequest r, ModelInfo model, GatewayOptions options)
    {
        OpenAiUnsupportedFields.Check(r);
        if (r.Messages is null) throw ApiProblemException.Invalid("messages", "messages is required: a non-empty array of {\"role\",\"content\"}");
        if (r.Messages.Count == 0) throw ApiProblemException.Invalid("messages", "messages must not be empty");
        var turns = new ChatTurn[r.Messages.Count];
        for (int i = 0; i < turns.Length; i++)
        {
            var m = r.Messages[i] ?? throw ApiProblemException.Invalid($"messages[{i}]", $"messages[{i}] must be an object, got null");
            if (m.Role is null) throw ApiProblemException.Invalid($"messages[{i}].role", $"messages[{i}].role is required");
            if (!Roles.Contains(m.Role, StringComparer.Ordinal))
                throw ApiProblemException.Invalid($"messages[{i}].role", $"messages[{i}].role must be one of {string.Join(", ", Roles)}, got \"{m.Role}\"");
            turns[i] = new ChatTurn(m.Role, Content(m.Content, $"messages[{i}].content"));
        }
        if (r.MaxTokens is not null && r.MaxCompletionTokens is not null && r.MaxTokens != r.MaxCompletionTokens)
            throw ApiProblemException.Invalid("max_completion_tokens", "give max_tokens or max_completion_tokens, not two different values");
        return Sampling(r, r.MaxCompletionTokens ?? r.MaxTokens, r.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens", model, options)
            with { Messages = turns, TopLogprobs = ChatLogprobs(r) };
    }

    /// <summary>Chat's logprobs (true/false) and top_logprobs (0..20, only with logprobs true) as the cluster's count; null: none.</summary>
    private static int? ChatLogprobs(ChatCompletionRequest r)
    {
        if (r.Logprobs != true)
            return r.TopLogprobs is > 0 ? throw ApiProblemException.Invalid("top_logprobs", "top_logprobs needs \"logprobs\": true") : null;
        if (r.TopLogprobs is < 0 or > GenerateRequest.MaxTopLogprobs)
            throw ApiProblemException.Invalid("top_logprobs", $"top_logprobs must be 0..{GenerateRequest.MaxTopLogprobs}, got {r.TopLogprobs}");
        return r.TopLogprobs ?? 0;
    }

    /// <summary>The completions API's logprobs: how many alternatives (0..5, OpenAI's limit there); null: none.</summary>
    private const int MaxCompletionLogprobs = 5;

    public static GenerateRequest Completion(CompletionRequest r, ModelInfo model, GatewayOptions options)
    {
        if (r.Echo == true) throw ApiProblemException.Invalid("echo", "echo is not supported");
        OpenAiUnsupportedFields.Check(r);
        if (r.Logprobs is < 0 or > MaxCompletionLogprobs)
            throw ApiProblemException.Invalid("logprobs", $"logprobs must be 0..{MaxCompletionLogprobs} (alternatives per token), got {r.Logprobs}");
        var request = Sampling(r, r.MaxTokens, "max_tokens", model, options) with { TopLogprobs = r.Logprobs };
        if (r.Prompt is not { } p || p.ValueKind == JsonValueKind.Null) throw ApiProblemException.Invalid("prompt", "prompt is required: a string");
        switch (p.ValueKind)
        {
            case JsonValueKind.String:
                return request with { PromptText = NonEmpty(p.GetString()!, "prompt") };
            case JsonValueKind.Array when p.GetArrayLength() == 0:
                throw ApiProblemException.Invalid("prompt", "prompt must not be empty");
            case JsonValueKind.Array when p.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                if (p.GetArrayLength() != 1) throw ApiProblemException.Invalid("prompt", $"prompt: one prompt per request, got {p.GetArrayLength()}");
                return request with { PromptText = NonEmpty(p[0].GetString()!, "prompt") };
            case JsonValueKind.Array when p.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number):
                return request with { PromptIds = TokenIds(p, model.VocabSize) };
            default:
                throw ApiProblemException.Invalid("prompt", $"prompt must be a string or an array of token ids, got {p.ValueKind.ToString().ToLowerInvariant()}");
        }
    }

    public static void CheckModel(string? requested, ModelInfo model)
    {
        if (requested is not null && !string.Equals(requested, model.ModelId, StringComparison.Ordinal))
            throw new ApiProblemException(new ApiProblem(ProblemKind.ModelNotFound, $"model \"{requested}\" is not served here; this server serves \"{model.ModelId}\"", "model"));
    }

    private static GenerateRequest Sampling(OpenAiSamplingFields r, int? maxTokens, string maxTokensField, ModelInfo model, GatewayOptions options)
    {
        CheckModel(r.Model, model);
        FieldChecks.OnlyOne(r.N, "n");
        double? temperature = FieldChecks.NonNegative(r.Temperature, "temperature");
        double? topP = FieldChecks.Probability(r.TopP, "top_p");
        int? topK = FieldChecks.NonNegative(r.TopK, "top_k");
        bool sample = temperature is double t ? t > 0 : (topP is < 1 || topK is > 0);
        return new GenerateRequest
        {
            MaxNewTokens = FieldChecks.MaxTokens(maxTokens, maxTokensField, options.DefaultMaxNewTokens, model.ContextLength),
            DoSample = sample,
            Temperature = sample ? temperature ?? 1.0 : 1.0,
            TopP = topP ?? 1.0,
            TopK = topK ?? 0,
            RepetitionPenalty = FieldChecks.Positive(r.RepetitionPenalty, "repetition_penalty") ?? 1.0,
            Seed = FieldChecks.Seed(r.Seed, "seed"),
            StopSequences = JsonValues.StringOrStrings(r.Stop, "stop", MaxStopSequences),
        };
    }

    private static string Content(JsonElement? content, string field)
    {
        if (content is not { } c || c.ValueKind == JsonValueKind.Null) throw ApiProblemException.Invalid(field, $"{field} is required");
        if (c.ValueKind == JsonValueKind.String) return c.GetString()!;
        if (c.ValueKind != JsonValueKind.Array) throw ApiProblemException.Invalid(field, $"{field} must be a string or an array of text parts");
        var text = new StringBuilder();
        int i = 0;
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || type.GetString() != "text" || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                throw ApiProblemException.Invalid($"{field}[{i}]", $"{field}[{i}] must be {{\"type\":\"text\",\"text\":\"…\"}}: this model reads text only");
            text.Append(t.GetString());
            i++;
        }
        return text.ToString();
    }

    private static int[] TokenIds(JsonElement p, int vocab)
    {
        var ids = new int[p.GetArrayLength()];
        int i = 0;
        foreach (var e in p.EnumerateArray())
        {
            if (!e.TryGetInt32(out int id) || id < 0 || id >= vocab)
                throw ApiProblemException.Invalid($"prompt[{i}]", $"prompt[{i}] must be a token id in 0..{vocab - 1}, got {e.GetRawText()}");
            ids[i++] = id;
        }
        return ids;
    }

    private static string NonEmpty(string value, string field) =>
        value.Length > 0 ? value : throw ApiProblemException.Invalid(field, $"{field} must not be empty");
}
