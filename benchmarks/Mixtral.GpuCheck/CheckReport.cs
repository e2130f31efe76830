using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mixtral.GpuCheck;

/// <summary>
/// Writes each step's JSON (OUT/STEP.json) and merges them into OUT/gpu-check.json and OUT/gpu-check.md. A step whose
/// JSON is missing (its process died, or its timeout killed it) is reported with the end of its log (LOGS/STEP.log),
/// and the environment notes the script gathered (LOGS/*.txt: nvidia-smi, python torch, symbol check) are quoted.
/// </summary>
public static class CheckReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void WriteStep(string outFolder, StepOutcome outcome) =>
        File.WriteAllText(Path.Combine(outFolder, $"{outcome.Step}.json"), JsonSerializer.Serialize(outcome, Json));

    public static (string Json, string Markdown) Write(string outFolder, string logsFolder)
    {
        var steps = new JsonArray();
        var md = new StringBuilder("# GPU check\n\n");
        md.Append("Written by `benchmarks/Mixtral.GpuCheck` (`deploy/gpu/gpu-check.sh`). Figures are from this one run on this one machine.\n\n");
        var verdicts = new List<string>();
        foreach (string step in CheckArguments.Steps.Where(s => s != "report"))
        {
            string path = Path.Combine(outFolder, $"{step}.json");
            if (!File.Exists(path))
            {
                string log = Path.Combine(logsFolder, $"{step}.log");
                if (!File.Exists(log)) continue; // not asked for
                verdicts.Add($"{step}: no result (crashed or timed out)");
                md.Append("## ").Append(step).Append("\n\nNo result: the process ended without writing one. End of its log:\n\n```\n")
                  .Append(Tail(log, 40)).Append("\n```\n\n");
                steps.Add(new JsonObject { ["step"] = step, ["ok"] = false, ["error"] = "no result; see log", ["log_tail"] = Tail(log, 40) });
                continue;
            }
            var node = JsonNode.Parse(File.ReadAllText(path))!;
            steps.Add(node);
            bool ok = node["ok"]?.GetValue<bool>() ?? false;
            bool? passed = node["passed"]?.GetValue<bool?>();
            verdicts.Add($"{step}: {(!ok ? "error" : passed switch { true => "pass", false => "FAIL", null => "measured" })}");
            md.Append(node["markdown"]?.GetValue<string>()).Append('\n');
        }
        var notes = Directory.Exists(logsFolder) ? Directory.GetFiles(logsFolder, "*.txt").Order(StringComparer.Ordinal).ToArray() : [];
        if (notes.Length > 0)
        {
            md.Append("## Environment notes gathered by the script\n\n");
            foreach (string note in notes)
                md.Append('`').Append(Path.GetFileName(note)).Append("`:\n\n```\n").Append(Tail(note, 30)).Append("\n```\n\n");
        }
        md.Insert(md.ToString().IndexOf("\n\n", StringComparison.Ordinal) + 2, "**Summary:** " + string.Join("; ", verdicts) + "\n\n");
        var merged = new JsonObject
        {
            ["generated_utc"] = DateTime.UtcNow.ToString("O"),
            ["summary"] = new JsonArray([.. verdicts.Select(v => (JsonNode)JsonValue.Create(v)!)]),
            ["steps"] = steps,
        };
        string jsonPath = Path.Combine(outFolder, "gpu-check.json"), mdPath = Path.Combine(outFolder, "gpu-check.md");
        File.WriteAllText(jsonPath, merged.ToJsonString(Json));
        File.WriteAllText(mdPath, md.ToString());
        return (jsonPath, mdPath);
    }

    private static string Tail(string path, int lines)
    {
        var all = File.ReadAllLines(path);
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
