using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mixtral.Cluster.Placement.Routing;

/// <summary>
/// Reads and writes routing traces as JSON lines. Writing is hand-rolled (a trace of the real model has 32 lines per
/// token, so it should be cheap and its floats short); reading is strict and names the line and field that is wrong.
/// </summary>
public static class RoutingTraceFile
{
    public static void Write(TextWriter writer, RoutingTraceRecord r)
    {
        var line = new StringBuilder(96);
        line.Append(CultureInfo.InvariantCulture, $"{{\"prompt\": {r.Prompt}, \"position\": {r.Position}, \"layer\": {r.Layer}, \"experts\": [");
        line.AppendJoin(", ", r.Experts);
        line.Append("], \"weights\": [");
        // "R" keeps the float exact on a round trip; shortest form by default in .NET.
        line.AppendJoin(", ", r.Weights.Select(w => w.ToString("R", CultureInfo.InvariantCulture)));
        line.Append("]}");
        writer.WriteLine(line.ToString());
    }

    public static IEnumerable<RoutingTraceRecord> Read(TextReader reader, string source)
    {
        int lineNumber = 0;
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return Parse(line, $"{source}:{lineNumber}");
        }
    }

    public static IReadOnlyList<RoutingTraceRecord> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"routing trace {path} not found", path);
        using var reader = new StreamReader(path);
        return Read(reader, path).ToList();
    }

    private static RoutingTraceRecord Parse(string line, string where)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new FormatException($"{where}: not JSON ({e.Message})", e); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new FormatException($"{where}: expected a JSON object");
            foreach (var p in o.EnumerateObject())
                if (p.Name is not ("prompt" or "position" or "layer" or "experts" or "weights"))
                    throw new FormatException($"{where}: unknown field \"{p.Name}\"");
            int prompt = NonNegative(o, "prompt", where), position = NonNegative(o, "position", where), layer = NonNegative(o, "layer", where);
            var experts = Array(o, "experts", where).Select(e => e.TryGetInt32(out int v) && v >= 0 ? v
                : throw new FormatException($"{where}: experts must hold non-negative integers")).ToArray();
            var weights = Array(o, "weights", where).Select(e => e.ValueKind == JsonValueKind.Number ? e.GetSingle()
                : throw new FormatException($"{where}: weights must hold numbers")).ToArray();
            if (experts.Length == 0) throw new FormatException($"{where}: experts is empty");
            if (weights.Length != experts.Length)
                throw new FormatException($"{where}: weights has {weights.Length} entries but experts has {experts.Length}");
            if (experts.Distinct().Count() != experts.Length) throw new FormatException($"{where}: experts lists an expert twice");
            return new RoutingTraceRecord(prompt, position, layer, experts, weights);
        }
    }

    private static int NonNegative(JsonElement o, string field, string where) =>
        o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i >= 0
            ? i
            : throw new FormatException($"{where}: {field} must be a non-negative integer");

    private static JsonElement.ArrayEnumerator Array(JsonElement o, string field, string where) =>
        o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray()
            : throw new FormatException($"{where}: {field} must be an array");
}
