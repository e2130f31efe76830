using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Mixtral.Model.Config;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// <c>model.safetensors.index.json</c>: which shard file holds each tensor (<c>weight_map</c>) and the bytes of
/// all tensors together (<c>metadata.total_size</c>), read and written in the form save_pretrained uses.
/// </summary>
internal sealed record CheckpointIndex(IReadOnlyDictionary<string, string> WeightMap, long? TotalSize)
{
    public const string FileName = "model.safetensors.index.json";

    public static CheckpointIndex Load(string path)
    {
        using var doc = ParseJson(path);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{path}: the index is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
        return new CheckpointIndex(ReadWeightMap(root, path), ReadTotalSize(root, path));
    }

    /// <summary>Writes what save_pretrained writes: <c>json.dumps(index, indent=2, sort_keys=True) + "\n"</c>.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> weightMap, long totalSize)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        // Relaxed escaping writes ASCII names as Python does ('+' and '<' unescaped); Python would escape non-ASCII.
        var options = new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(stream, options))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                json.WriteString(name, file);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
    }

    private static JsonDocument ParseJson(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (!Utf8.IsValid(bytes))
            throw new ModelFormatException($"{path}: not valid UTF-8");
        try
        {
            return JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static Dictionary<string, string> ReadWeightMap(JsonElement root, string path)
    {
        if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{path}: no \"weight_map\" object");
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            string? file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
            // A shard must be a file of the model folder: a path in the index must not reach anywhere else.
            if (string.IsNullOrEmpty(file) || file is "." or ".." || Path.GetFileName(file) != file)
                throw new ModelFormatException(
                    $"{path}: weight_map gives {entry.Value.GetRawText()} for tensor '{entry.Name}', not a file name in the model folder");
            if (!weightMap.TryAdd(entry.Name, file))
                throw new ModelFormatException($"{path}: weight_map names tensor '{entry.Name}' twice");
        }
        if (weightMap.Count == 0)
            throw new ModelFormatException($"{path}: weight_map is empty");
        return weightMap;
    }

    private static long? ReadTotalSize(JsonElement root, string path)
    {
        if (!root.TryGetProperty("metadata", out var metadata)) return null;
        if (metadata.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException($"{path}: \"metadata\" is not an object");
        if (!metadata.TryGetProperty("total_size", out var total)) return null;
        if (total.ValueKind != JsonValueKind.Number || !total.TryGetInt64(out long bytes) || bytes < 0)
            throw new ModelFormatException($"{path}: metadata.total_size is {total.GetRawText()}, not a non-negative integer");
        return bytes;
    }
}
