using System.Text.Json;

namespace Mixtral.Model.Config;

/// <summary>Reads typed fields from a config.json object, with errors that name the file and the field.</summary>
internal sealed class ConfigJsonReader(JsonElement root, string source)
{
    private readonly JsonElement _root = root.ValueKind == JsonValueKind.Object
        ? root
        : throw new ModelFormatException($"{source}: expected a JSON object at the top level");

    public int RequiredInt(string field) =>
        OptionalInt(field) ?? throw new ModelFormatException($"{source}: missing required field {field}");

    public int? OptionalInt(string field)
    {
        if (!_root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        throw new ModelFormatException($"{source}: {field} must be an integer, got {Describe(v)}");
    }

    public double? OptionalDouble(string field)
    {
        if (!_root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw new ModelFormatException($"{source}: {field} must be a number, got {Describe(v)}");
    }

    public bool? OptionalBool(string field)
    {
        if (!_root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException($"{source}: {field} must be true or false, got {Describe(v)}"),
        };
    }

    public string? OptionalString(string field)
    {
        if (!_root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw new ModelFormatException($"{source}: {field} must be a string, got {Describe(v)}");
    }

    /// <summary>Hugging Face allows eos_token_id to be one id or a list of ids.</summary>
    public IReadOnlyList<int>? OptionalIntOrList(string field)
    {
        if (!_root.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.Array)
        {
            var ids = new List<int>();
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                    throw new ModelFormatException($"{source}: {field} must hold integers, got {Describe(item)}");
                ids.Add(id);
            }
            return ids;
        }
        return [OptionalInt(field)!.Value];
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"\"{v.GetString()}\"",
        _ => v.GetRawText(),
    };
}
