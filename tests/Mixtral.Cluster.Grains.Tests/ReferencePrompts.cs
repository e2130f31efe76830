using System.Text.Json;
using Mixtral.Testing;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>The fixture's reference prompts: their token ids and Hugging Face's greedy continuation of each.</summary>
public static class ReferencePrompts
{
    public static IReadOnlyList<(int[] Ids, int[] Greedy)> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        return [.. doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => (
            p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            p.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray()))];
    }
}
