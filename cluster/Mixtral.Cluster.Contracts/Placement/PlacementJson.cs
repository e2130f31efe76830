using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// The one set of JSON options for plans and plan reports: snake_case names like Hugging Face's config.json,
/// enums as lower-case words ("coordinator", "cuda"), unknown or missing fields rejected so a typo is named
/// rather than silently ignored.
/// </summary>
public static class PlacementJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
    };

    /// <summary>The same options on one line, for the entries written one per line inside an indented plan.</summary>
    internal static JsonSerializerOptions SingleLine { get; } = new(Options) { WriteIndented = false };
}
