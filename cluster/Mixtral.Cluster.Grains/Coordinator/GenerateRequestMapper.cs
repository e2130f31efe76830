using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;
using Mixtral.Tokenization;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Cluster.Grains.Coordinator;

/// <summary>Turns a wire request into an engine request (tokenizing here, on the coordinator) and engine events into wire events.</summary>
public static class GenerateRequestMapper
{
    public static GenerationRequest ToRequest(GenerateRequest command, MixtralTokenizer tokenizer)
    {
        int forms = (command.PromptIds is null ? 0 : 1) + (command.PromptText is null ? 0 : 1) + (command.Messages is null ? 0 : 1);
        if (forms != 1)
            throw new ArgumentException("a request needs exactly one of prompt ids, prompt text or chat messages");
        IReadOnlyList<int> ids = command.PromptIds
            ?? (command.PromptText is not null
                ? tokenizer.Encode(command.PromptText, addBos: true)
                : tokenizer.EncodeChat([.. command.Messages!.Select(m => new ChatMessage(m.Role, m.Content))]));
        return new GenerationRequest(ids, Sampling(command));
    }

    /// <summary>The sampling half of a wire request, both ways: one field list, so the two can never drift apart.</summary>
    public static SamplingParams Sampling(GenerateRequest r) => new()
    {
        MaxNewTokens = r.MaxNewTokens,
        DoSample = r.DoSample,
        Temperature = r.Temperature,
        TopK = r.TopK,
        TopP = r.TopP,
        RepetitionPenalty = r.RepetitionPenalty,
        Seed = r.Seed,
        StopSequences = r.StopSequences,
        TopLogprobs = r.TopLogprobs,
    };

    /// <summary>A wire request for one prompt form (the others null) and engine sampling parameters.</summary>
    public static GenerateRequest ToWire(SamplingParams s, int[]? promptIds = null, string? promptText = null, ChatTurn[]? messages = null) => new()
    {
        PromptIds = promptIds,
        PromptText = promptText,
        Messages = messages,
        MaxNewTokens = s.MaxNewTokens,
        DoSample = s.DoSample,
        Temperature = s.Temperature,
        TopK = s.TopK,
        TopP = s.TopP,
        RepetitionPenalty = s.RepetitionPenalty,
        Seed = s.Seed,
        StopSequences = [.. s.StopSequences],
        TopLogprobs = s.TopLogprobs,
    };

    /// <param name="tokenizer">Gives the texts of the token and its alternatives when the request asked for log-probabilities.</param>
    public static TokenEvent ToWire(TokenGenerated token, GenerationResult? final, MixtralTokenizer tokenizer) =>
        new(token.TokenId, token.Text, final is null ? null : ToWire(final),
            token.Logprobs is { } p && token.TokenId >= 0
                ? new TokenProbabilities(Probability(token.TokenId, p.Logprob, tokenizer), [.. p.Top.Select(t => Probability(t.TokenId, t.Logprob, tokenizer))])
                : null);

    private static TokenProbability Probability(int id, double logprob, MixtralTokenizer tokenizer) =>
        new(id, tokenizer.TokenText(id), tokenizer.TokenBytes(id), logprob, tokenizer.IsSpecial(id));

    public static GenerationSummary ToWire(GenerationResult r) => new(
        [.. r.GeneratedIds], r.Text, r.FinishReason.ToString().ToLowerInvariant(), r.PromptTokens,
        r.TimeToFirstToken.TotalMilliseconds, r.Duration.TotalMilliseconds, r.Seed);

    public static GenerationResult FromWire(GenerationSummary s) => new(
        s.GeneratedIds, s.Text, Enum.Parse<FinishReason>(s.FinishReason, ignoreCase: true), s.PromptTokens,
        TimeSpan.FromMilliseconds(s.TimeToFirstTokenMs), TimeSpan.FromMilliseconds(s.DurationMs), s.Seed);
}
