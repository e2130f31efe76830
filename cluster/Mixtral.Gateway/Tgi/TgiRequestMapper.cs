using System.Text.Json;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.Tgi;

/// <summary>
/// The one place TGI requests are checked and turned into a <see cref="GenerateRequest"/>, with TGI's rules: greedy
/// unless do_sample is true or a warper is set (temperature ≠ 1, top_k, top_p &lt; 1), as TGI's server decides.
/// </summary>
public static class TgiRequestMapper
{
    private const int MaxStopSequences = 16;

    public static GenerateRequest ToRequest(TgiGenerateRequest r, ModelInfo model, GatewayOptions options)
    {
        if (r.Inputs is null) throw ApiProblemException.Invalid("inputs", "inputs is required: the prompt text");
        if (r.Inputs.Length == 0) throw ApiProblemException.Invalid("inputs", "inputs must not be empty");
        var p = r.Parameters ?? new TgiParameters();
        if (p.BestOf is int bestOf && bestOf != 1) throw ApiProblemException.Invalid("parameters.best_of", $"parameters.best_of must be 1: one sequence per request, got {bestOf}");
        if (p.DecoderInputDetails == true) throw ApiProblemException.Invalid("parameters.decoder_input_details", "parameters.decoder_input_details is not supported");
        if (p.TypicalP is double typical && typical < 1) throw ApiProblemException.Invalid("parameters.typical_p", "parameters.typical_p is not supported");
        if (p.Watermark == true) throw ApiProblemException.Invalid("parameters.watermark", "parameters.watermark is not supported");
        if (p.Truncate is not null) throw ApiProblemException.Invalid("parameters.truncate", "parameters.truncate is not supported: send a prompt that fits");
        if (p.TopNTokens is < 0 or > GenerateRequest.MaxTopLogprobs)
            throw ApiProblemException.Invalid("parameters.top_n_tokens", $"parameters.top_n_tokens must be 0..{GenerateRequest.MaxTopLogprobs}, got {p.TopNTokens}");
        if (p.FrequencyPenalty is double f && f != 0) throw ApiProblemException.Invalid("parameters.frequency_penalty", "parameters.frequency_penalty is not supported; use repetition_penalty");
        if (p.Grammar is { ValueKind: not JsonValueKind.Null }) throw ApiProblemException.Invalid("parameters.grammar", "parameters.grammar is not supported");

        double? temperature = FieldChecks.Positive(p.Temperature, "parameters.temperature");
        double? topP = FieldChecks.Probability(p.TopP, "parameters.top_p");
        int? topK = FieldChecks.NonNegative(p.TopK, "parameters.top_k");
        bool sample = p.DoSample == true || temperature is double t && t != 1 || topK is > 0 || topP is < 1;
        return new GenerateRequest
        {
            PromptText = r.Inputs,
            MaxNewTokens = FieldChecks.MaxTokens(p.MaxNewTokens, "parameters.max_new_tokens", options.DefaultMaxNewTokens, model.ContextLength),
            DoSample = sample,
            Temperature = temperature ?? 1.0,
            TopK = topK ?? 0,
            TopP = topP ?? 1.0,
            RepetitionPenalty = FieldChecks.Positive(p.RepetitionPenalty, "parameters.repetition_penalty") ?? 1.0,
            Seed = FieldChecks.Seed(p.Seed, "parameters.seed"),
            StopSequences = JsonValues.StringOrStrings(p.Stop, "parameters.stop", MaxStopSequences),
            TopLogprobs = p.TopNTokens ?? 0, // TGI reports every token's logprob; top_n_tokens adds alternatives
        };
    }
}
