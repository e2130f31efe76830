using System.Text.Json;
using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.OpenAi;

/// <summary>
/// OpenAI request fields this server does not implement. A value that would change the output, or asks for output this
/// server does not produce (presence_penalty 0.5, JSON mode, tools), is refused with a 400 naming the
/// field, as TGI's unimplemented parameters are: ignoring it would answer a different request than the one sent. Their
/// neutral values, which SDKs and frameworks send by default (0, false, null, {}, [], "text", "none"), pass. Fields that
/// change nothing in the output (user, metadata, store, service_tier, parallel_tool_calls) are ignored like any
/// unknown JSON field.
/// </summary>
internal static class OpenAiUnsupportedFields
{
    private const string RepeatsHint = "use repetition_penalty (TGI's extension, > 1 penalises tokens already in the text)";

    public static void Check(ChatCompletionRequest r)
    {
        CheckShared(r);
        if (!IsNullOr(r.ResponseFormat, e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "text"))
            throw Unsupported("response_format", "response_format: only {\"type\":\"text\"} is supported; JSON mode and JSON schemas are not");
        if (!IsNullOr(r.Tools, IsEmptyArray)) throw Unsupported("tools", "tools are not supported: this server does not call tools");
        if (!IsNullOr(r.Functions, IsEmptyArray)) throw Unsupported("functions", "functions are not supported: this server does not call tools");
        if (!IsNullOr(r.ToolChoice, IsNoChoice)) throw Unsupported("tool_choice", "tool_choice: only \"none\" (or \"auto\" without tools) is supported: this server does not call tools");
        if (!IsNullOr(r.FunctionCall, IsNoChoice)) throw Unsupported("function_call", "function_call: only \"none\" is supported: this server does not call tools");
        if (!IsNullOr(r.Modalities, e => e.ValueKind == JsonValueKind.Array && e.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString() == "text")))
            throw Unsupported("modalities", "modalities: this model produces text only, [\"text\"]");
        if (!IsNullOr(r.Audio, _ => false)) throw Unsupported("audio", "audio is not supported: this model produces text only");
        if (!IsNullOr(r.Prediction, _ => false)) throw Unsupported("prediction", "prediction (predicted outputs) is not supported");
        if (!IsNullOr(r.ReasoningEffort, _ => false)) throw Unsupported("reasoning_effort", "reasoning_effort is not supported: Mixtral is not a reasoning model");
        if (!IsNullOr(r.WebSearchOptions, _ => false)) throw Unsupported("web_search_options", "web_search_options is not supported: this server does not search the web");
    }

    public static void Check(CompletionRequest r)
    {
        CheckShared(r);
        if (r.BestOf is int bestOf && bestOf != 1) throw Unsupported("best_of", $"best_of must be 1: one sequence per request, got {bestOf}");
        if (!string.IsNullOrEmpty(r.Suffix)) throw Unsupported("suffix", "suffix is not supported: this model continues a prompt, it does not fill in between");
    }

    private static void CheckShared(OpenAiSamplingFields r)
    {
        if (r.FrequencyPenalty is double f && f != 0) throw Unsupported("frequency_penalty", $"frequency_penalty is not supported (only 0); {RepeatsHint}");
        if (r.PresencePenalty is double p && p != 0) throw Unsupported("presence_penalty", $"presence_penalty is not supported (only 0); {RepeatsHint}");
        if (!IsNullOr(r.LogitBias, e => e.ValueKind == JsonValueKind.Object && !e.EnumerateObject().Any()))
            throw Unsupported("logit_bias", "logit_bias is not supported (only {})");
    }

    private static bool IsNullOr(JsonElement? value, Func<JsonElement, bool> neutral) =>
        value is not { } e || e.ValueKind == JsonValueKind.Null || neutral(e);

    private static bool IsEmptyArray(JsonElement e) => e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 0;

    private static bool IsNoChoice(JsonElement e) => e.ValueKind == JsonValueKind.String && e.GetString() is "none" or "auto";

    private static ApiProblemException Unsupported(string field, string message) => ApiProblemException.Invalid(field, message);
}
