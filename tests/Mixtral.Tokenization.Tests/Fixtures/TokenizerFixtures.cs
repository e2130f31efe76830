using System.Text.Json;
using Mixtral.Testing;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Tokenization.Tests.Fixtures;

/// <summary>The real Mixtral tokenizer and the oracle cases of shared/fixtures/tokenizer, each loaded once per test run.</summary>
public static class TokenizerFixtures
{
    private static readonly Lazy<MixtralTokenizer> TokenizerLazy = new(() => MixtralTokenizer.Load(FixturePaths.TinyMixtral));
    private static readonly Lazy<IReadOnlyDictionary<string, CorpusCase>> CorpusLazy = new(() => ReadLines("corpus.jsonl", ParseCorpus));
    private static readonly Lazy<IReadOnlyDictionary<string, ChatCase>> ChatLazy = new(() => ReadLines("chat.jsonl", ParseChat));

    public static MixtralTokenizer Tokenizer => TokenizerLazy.Value;

    public static IReadOnlyDictionary<string, CorpusCase> Corpus => CorpusLazy.Value;

    public static IReadOnlyDictionary<string, ChatCase> Chat => ChatLazy.Value;

    /// <summary>Case ids as xunit theory data, so each case is reported under its own name.</summary>
    public static TheoryData<string> CorpusIds() => new(Corpus.Keys);

    public static TheoryData<string> ChatIds() => new(Chat.Keys);

    private static Dictionary<string, T> ReadLines<T>(string fileName, Func<JsonElement, T> parse) where T : class
    {
        var cases = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(Path.Combine(FixturePaths.Tokenizer, fileName)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using JsonDocument document = JsonDocument.Parse(line);
            cases.Add(document.RootElement.GetProperty("id").GetString()!, parse(document.RootElement));
        }
        return cases;
    }

    private static CorpusCase ParseCorpus(JsonElement e)
    {
        IReadOnlyList<int>? mlIds = e.TryGetProperty("divergences", out JsonElement d) && d.TryGetProperty("ml_tokenizers_2_0_1", out JsonElement ml)
            ? Ints(ml.GetProperty("ids"))
            : null;
        return new CorpusCase(e.GetProperty("id").GetString()!, e.GetProperty("category").GetString()!, e.GetProperty("text").GetString()!,
            Ints(e.GetProperty("ids")), e.GetProperty("decoded").GetString()!, e.GetProperty("roundtrip").GetBoolean(), mlIds);
    }

    private static ChatCase ParseChat(JsonElement e) => new(
        e.GetProperty("id").GetString()!,
        e.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!)).ToList(),
        e.GetProperty("add_generation_prompt").GetBoolean(),
        e.TryGetProperty("rendered", out JsonElement rendered) ? rendered.GetString() : null,
        e.TryGetProperty("ids", out JsonElement ids) ? Ints(ids) : null,
        e.TryGetProperty("error", out JsonElement error) ? error.GetString() : null);

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(x => x.GetInt32()).ToArray();
}
