using System.Text.Json;
using Mixtral.Tokenization;

namespace Mixtral.Cli.Commands;

/// <summary>
/// The prompts file of <c>mixtral trace-routing</c>: JSON lines, each <c>{"text": "…"}</c> (encoded with BOS, as
/// generation does) or <c>{"ids": [1, 2, …]}</c> (used as given, no BOS added). Errors name the file, line and field.
/// </summary>
internal static class RoutingPrompts
{
    public static List<int[]> Load(string path, MixtralTokenizer tokenizer, int vocabSize)
    {
        if (!File.Exists(path)) throw new CliUsageException($"--prompts: {path} not found");
        var prompts = new List<int[]>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            prompts.Add(Parse(line, where, tokenizer, vocabSize));
        }
        if (prompts.Count == 0) throw new CliUsageException($"--prompts: {path} holds no prompts");
        return prompts;
    }

    private static int[] Parse(string line, string where, MixtralTokenizer tokenizer, int vocabSize)
    {
        JsonElement o;
        try { o = JsonDocument.Parse(line).RootElement; }
        catch (JsonException e) { throw new CliUsageException($"{where}: not JSON ({e.Message})", e); }
        if (o.ValueKind != JsonValueKind.Object) throw new CliUsageException($"{where}: expected a JSON object");
        bool hasText = o.TryGetProperty("text", out var text), hasIds = o.TryGetProperty("ids", out var ids);
        foreach (var p in o.EnumerateObject())
            if (p.Name is not ("text" or "ids")) throw new CliUsageException($"{where}: unknown field \"{p.Name}\" (expected text or ids)");
        if (hasText == hasIds) throw new CliUsageException($"{where}: give exactly one of \"text\" or \"ids\"");
        int[] tokens;
        if (hasText)
        {
            if (text.ValueKind != JsonValueKind.String) throw new CliUsageException($"{where}: text must be a string");
            tokens = tokenizer.Encode(text.GetString()!, true).ToArray();
        }
        else
        {
            if (ids.ValueKind != JsonValueKind.Array) throw new CliUsageException($"{where}: ids must be an array of token ids");
            tokens = ids.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) && v >= 0 && v < vocabSize
                ? v
                : throw new CliUsageException($"{where}: ids must hold token ids in 0..{vocabSize - 1}, got {e.GetRawText()}")).ToArray();
        }
        if (tokens.Length == 0) throw new CliUsageException($"{where}: the prompt has no tokens");
        return tokens;
    }
}
