using System.Text.Json;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>The tiny-mixtral fixture's facts as the tests read them independently: config and index JSON.</summary>
internal static class TinyCheckpoint
{
    public static string Directory => FixturePaths.TinyMixtral;

    public static MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(Directory, "config.json"));

    public static string IndexPath => Path.Combine(Directory, "model.safetensors.index.json");

    /// <summary>weight_map of the index, parsed with System.Text.Json.</summary>
    public static IReadOnlyDictionary<string, string> WeightMap { get; } = ReadIndex().WeightMap;

    /// <summary>metadata.total_size of the index.</summary>
    public static long TotalSize { get; } = ReadIndex().TotalSize;

    /// <summary>The file that holds a tensor, as the index says.</summary>
    public static string ShardOf(string tensor) => Path.Combine(Directory, WeightMap[tensor]);

    private static (Dictionary<string, string> WeightMap, long TotalSize) ReadIndex()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(IndexPath));
        var map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return (map, doc.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
    }
}
