using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Mixtral.Gateway.Http;

/// <summary>
/// Reads a request body as JSON under the APIs' snake_case names. A body that is not JSON, has a value of the wrong
/// type, or is not UTF-8 becomes a 400 naming the field (from the reader's JSON path); an oversized one a 413.
/// </summary>
public static class JsonBody
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = 16,
        // JSON for programs, never embedded in HTML: non-ASCII text travels as itself, not as \u escapes.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Makes <paramref name="target"/> (the minimal APIs' writer) write the same way as <see cref="Options"/>.</summary>
    public static void Apply(JsonSerializerOptions target)
    {
        target.PropertyNamingPolicy = Options.PropertyNamingPolicy;
        target.DefaultIgnoreCondition = Options.DefaultIgnoreCondition;
        target.Encoder = Options.Encoder;
    }

    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken)
                ?? throw ApiProblemException.Invalid("body", "the request body must be a JSON object, got null");
        }
        catch (JsonException e)
        {
            string field = FieldOf(e.Path);
            string where = field == "body" ? "the request body" : $"\"{field}\"";
            throw ApiProblemException.Invalid(field, $"{where} is not valid here: {FirstSentence(e.Message)}");
        }
    }

    /// <summary>"$.messages[0].role" → "messages[0].role"; the document root → "body".</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    // The reader's messages end with "Path: … | LineNumber: …": the field is reported separately, once.
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
