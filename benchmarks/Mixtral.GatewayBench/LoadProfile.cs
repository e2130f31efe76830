namespace Mixtral.GatewayBench;

/// <summary>
/// The requests of one run, drawn from a seeded generator: prompt length (words of a fixed vocabulary) and output length
/// uniform in their ranges, so every run and every concurrency level sends the same mix.
/// </summary>
public sealed record LoadProfile(int Seed, int MinPromptWords, int MaxPromptWords, int MinOutputTokens, int MaxOutputTokens)
{
    private static readonly string[] Words =
        ["river", "stone", "light", "market", "engine", "quiet", "number", "garden", "signal", "paper", "winter", "orbit",
         "cloud", "table", "silver", "forest", "bridge", "letter", "motion", "harbor", "pattern", "window", "summer", "echo"];

    public sealed record Request(string Prompt, int PromptWords, int MaxNewTokens);

    public IReadOnlyList<Request> Draw(int count, int level)
    {
        var random = new Random(HashCode.Combine(Seed, level));
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            int words = random.Next(MinPromptWords, MaxPromptWords + 1);
            string prompt = string.Join(' ', Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]));
            return new Request(prompt, words, random.Next(MinOutputTokens, MaxOutputTokens + 1));
        })];
    }
}
