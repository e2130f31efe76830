using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mixtral.Tokenization;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Cli.Commands;

/// <summary>One JSON object per line in, one per line out; a line that cannot be handled yields {"error": "..."}.</summary>
internal static class JsonLines
{
    // Non-ASCII text stays readable; JSON stays valid.
    private static readonly JsonSerializerOptions Output = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Handles every line; returns how many lines were answered with an error (the exit code says whether any were).</summary>
    public static int Process(Stream input, TextWriter output, Func<JsonObject, JsonObject> handle)
    {
        int lineNumber = 0, bad = 0;
        foreach (var (line, problem) in Utf8Lines.Read(input))
        {
            lineNumber++;
            if (line is not null && string.IsNullOrWhiteSpace(line)) continue;
            JsonObject response;
            try
            {
                if (line is null) throw new FormatException(problem);
                var node = JsonNode.Parse(line) as JsonObject ?? throw new FormatException("expected a JSON object");
                response = handle(node);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ChatTemplateException or ArgumentException)
            {
                response = new JsonObject { ["error"] = $"line {lineNumber}: {e.Message}" };
                bad++;
            }
            output.WriteLine(response.ToJsonString(Output));
        }
        output.Flush();
        return bad;
    }

    /// <summary>0 when every line was handled; otherwise 1, with one stderr line saying how many were not.</summary>
    public static int ExitCode(int badLines)
    {
        if (badLines == 0) return 0;
        Console.Error.WriteLine($"error: {badLines} input line(s) could not be handled (see the \"error\" lines on stdout)");
        return 1;
    }

    public static string RequiredString(JsonObject o, string field, string? where = null) =>
        o[field] is JsonValue v && v.TryGetValue(out string? s)
            ? s
            : throw new FormatException($"{(where is null ? "" : where + ".")}{field} must be a string");

    public static JsonArray IdArray(IReadOnlyList<int> ids) => new([.. ids.Select(i => (JsonNode)JsonValue.Create(i))]);
}
