using System.Text.Json.Serialization;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway.OpenAi;

// OpenAI's logprobs shapes. Chat: {"content":[{"token","logprob","bytes","top_logprobs":[…]}],"refusal":null}.
// Completions (the legacy shape): {"tokens","token_logprobs","top_logprobs":[{token: logprob}],"text_offset"}.

public sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Refusal = null);

public sealed record ChatTokenLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

public sealed record ChatTopLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes);

public sealed record CompletionLogprobs(IReadOnlyList<string> Tokens, IReadOnlyList<double> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, double>> TopLogprobs, IReadOnlyList<int> TextOffset);

/// <summary>The cluster's per-token log-probabilities in OpenAI's two shapes.</summary>
public static class OpenAiLogprobs
{
    public static ChatTokenLogprob Chat(TokenProbabilities p) =>
        new(p.Chosen.Text, p.Chosen.Logprob, Ints(p.Chosen.Bytes), [.. p.Top.Select(t => new ChatTopLogprob(t.Text, t.Logprob, Ints(t.Bytes)))]);

    /// <param name="textOffsets">Per token, where the text it released starts in the completion text (the text the
    /// response carries: a token's own string may differ, e.g. the first token's leading space is not in the text).</param>
    public static CompletionLogprobs Completion(IReadOnlyList<TokenProbabilities> tokens, IReadOnlyList<int> textOffsets) =>
        new([.. tokens.Select(t => t.Chosen.Text)], [.. tokens.Select(t => t.Chosen.Logprob)],
            [.. tokens.Select(t => (IReadOnlyDictionary<string, double>)Alternatives(t))], [.. textOffsets]);

    // Two alternatives can read alike (a piece and its byte form); the first, more likely one keeps the key.
    private static Dictionary<string, double> Alternatives(TokenProbabilities t)
    {
        var top = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var a in t.Top) top.TryAdd(a.Text, a.Logprob);
        return top;
    }

    private static int[] Ints(byte[] bytes) => [.. bytes.Select(b => (int)b)];
}
