using System.Globalization;
using System.Text.Json;

namespace Mixtral.Cluster.Placement.Workloads;

/// <summary>
/// Reads a workload file. Example:
/// <code>
/// {"name": "chat", "requests": 64, "concurrency": 8, "arrival_rate_per_second": 2.0, "seed": 1,
///  "prompt_tokens": {"distribution": "lognormal", "median": 200, "sigma": 0.8, "min": 8, "max": 2048},
///  "output_tokens": {"distribution": "uniform", "min": 16, "max": 256}}
/// </code>
/// Every error names the file and the field (<c>w.json: prompt_tokens.max must be ≥ min (8), got 4</c>); unknown
/// fields are refused, so a typo does not silently fall back to a default.
/// </summary>
public static class WorkloadFile
{
    public static Workload Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new FileNotFoundException($"workload file {path} not found", path);

    public static Workload Parse(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new FormatException($"{source}: not JSON ({e.Message})", e); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new FormatException($"{source}: expected a JSON object");
            Only(o, source, "", "name", "requests", "concurrency", "arrival_rate_per_second", "seed", "prompt_tokens", "output_tokens");
            string name = o.TryGetProperty("name", out var n)
                ? n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new FormatException($"{source}: name must be a string")
                : Path.GetFileNameWithoutExtension(source);
            int requests = Int(o, "requests", source, "", min: 1);
            int concurrency = Int(o, "concurrency", source, "", min: 1);
            double? rate = null;
            if (o.TryGetProperty("arrival_rate_per_second", out var r) && r.ValueKind != JsonValueKind.Null)
                rate = r.ValueKind == JsonValueKind.Number && r.GetDouble() > 0 && double.IsFinite(r.GetDouble())
                    ? r.GetDouble()
                    : throw new FormatException($"{source}: arrival_rate_per_second must be a positive number or null (closed loop)");
            int seed = o.TryGetProperty("seed", out _) ? Int(o, "seed", source, "", min: 0) : 1;
            return new Workload(name, requests, concurrency, rate,
                Length(o, "prompt_tokens", source), Length(o, "output_tokens", source), seed);
        }
    }

    private static LengthDistribution Length(JsonElement parent, string field, string source)
    {
        if (!parent.TryGetProperty(field, out var o) || o.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{source}: {field} must be an object like {{\"distribution\": \"uniform\", \"min\": 16, \"max\": 256}}");
        string kind = o.TryGetProperty("distribution", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
        string at = field + ".";
        switch (kind)
        {
            case "fixed":
                Only(o, source, at, "distribution", "value");
                return new FixedLength(Int(o, "value", source, at, min: 1));
            case "uniform":
            {
                Only(o, source, at, "distribution", "min", "max");
                var (min, max) = Range(o, source, at);
                return new UniformLength(min, max);
            }
            case "lognormal":
            {
                Only(o, source, at, "distribution", "median", "sigma", "min", "max");
                double median = Positive(o, "median", source, at), sigma = Positive(o, "sigma", source, at);
                var (min, max) = Range(o, source, at);
                return new LogNormalLength(median, sigma, min, max);
            }
            default:
                throw new FormatException($"{source}: {at}distribution must be \"fixed\", \"uniform\" or \"lognormal\", got \"{kind}\"");
        }
    }

    private static (int Min, int Max) Range(JsonElement o, string source, string at)
    {
        int min = Int(o, "min", source, at, min: 1), max = Int(o, "max", source, at, min: 1);
        if (max < min) throw new FormatException($"{source}: {at}max must be ≥ min ({min}), got {max}");
        return (min, max);
    }

    private static int Int(JsonElement o, string field, string source, string at, int min) =>
        o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i >= min
            ? i
            : throw new FormatException($"{source}: {at}{field} must be an integer ≥ {min}{Got(o, field)}");

    private static double Positive(JsonElement o, string field, string source, string at) =>
        o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.GetDouble() > 0 && double.IsFinite(v.GetDouble())
            ? v.GetDouble()
            : throw new FormatException($"{source}: {at}{field} must be a positive number{Got(o, field)}");

    private static string Got(JsonElement o, string field) =>
        o.TryGetProperty(field, out var v) ? string.Create(CultureInfo.InvariantCulture, $", got {v.GetRawText()}") : " (missing)";

    private static void Only(JsonElement o, string source, string at, params string[] known)
    {
        foreach (var p in o.EnumerateObject())
            if (!known.Contains(p.Name))
                throw new FormatException($"{source}: unknown field {at}{p.Name} (expected {string.Join(", ", known)})");
    }
}
