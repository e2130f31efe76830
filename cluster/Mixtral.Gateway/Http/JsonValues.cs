using System.Text.Json;

namespace Mixtral.Gateway.Http;

/// <summary>Fields the APIs allow in more than one JSON form (a string or a list of strings).</summary>
public static class JsonValues
{
    /// <summary>A string or an array of strings as a list; null when absent. Each must be non-empty.</summary>
    public static string[] StringOrStrings(JsonElement? value, string field, int max)
    {
        if (value is not { } v || v.ValueKind == JsonValueKind.Null) return [];
        string[] items = v.ValueKind switch
        {
            JsonValueKind.String => [v.GetString()!],
            JsonValueKind.Array => [.. v.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String
                ? e.GetString()!
                : throw ApiProblemException.Invalid($"{field}[{i}]", $"{field}[{i}] must be a string, got {e.ValueKind.ToString().ToLowerInvariant()}"))],
            _ => throw ApiProblemException.Invalid(field, $"{field} must be a string or an array of strings, got {v.ValueKind.ToString().ToLowerInvariant()}"),
        };
        if (items.Length > max) throw ApiProblemException.Invalid(field, $"{field} may hold at most {max} strings, got {items.Length}");
        for (int i = 0; i < items.Length; i++)
            if (items[i].Length == 0) throw ApiProblemException.Invalid(field, $"{field} must not contain an empty string");
        return items;
    }
}
