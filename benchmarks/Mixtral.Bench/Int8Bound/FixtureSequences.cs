using System.Text.Json;

namespace Mixtral.Bench.Int8Bound;

/// <summary>The token sequences every measurement here uses: each prompt of the shared fixture's Hugging Face reference
/// (reference.json) followed by the 24 greedy tokens Hugging Face chose after it (29, 41, 57 and 88 tokens: 215 positions).
/// The same sequences int8-fidelity.md's measurements use, and the file benchmarks/llama-cpp/logits-error.c reads.</summary>
public static class FixtureSequences
{
    public static int[][] Read(string referenceJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(referenceJson));
        return [.. document.RootElement.GetProperty("prompts").EnumerateArray().Select(p =>
            p.GetProperty("input_ids").EnumerateArray().Concat(p.GetProperty("greedy_tokens").EnumerateArray()).Select(e => e.GetInt32()).ToArray())];
    }

    /// <summary>The fixture's reference.json, found from the working directory upwards (../shared/fixtures from the repository root).</summary>
    public static string FindReference()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "fixtures", "tiny-mixtral", "reference", "reference.json");
            if (File.Exists(candidate)) return candidate;
        }
        throw new ArgumentException("cannot find shared/fixtures/tiny-mixtral/reference/reference.json above the working directory; pass --reference");
    }
}
