using System.Text.Json;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

public sealed class PlanSimulateCommandTests
{
    private static string RealConfigFolder => Path.GetDirectoryName(FixturePaths.Mixtral8x7BConfig)!;

    [Fact]
    public async Task Simulating_plans_for_the_real_8x7b_reports_every_plan_from_a_32_layer_trace()
    {
        string dir = Directory.CreateTempSubdirectory("plan-simulate-").FullName;
        try
        {
            // 64 tokens; every token picks experts 0 and 1 at every layer (the hottest possible skew).
            string trace = Path.Combine(dir, "trace.jsonl");
            File.WriteAllLines(trace, from t in Enumerable.Range(0, 64)
                                      from l in Enumerable.Range(0, 32)
                                      select $"{{\"prompt\": 0, \"position\": {t}, \"layer\": {l}, \"experts\": [0, 1], \"weights\": [0.6, 0.4]}}");
            string rr = Path.Combine(dir, "rr.json"), replicated = Path.Combine(dir, "rep.json");
            Assert.Equal(0, (await Cli.RunAsync("plan", "--model", RealConfigFolder, "--nodes", "a,b,c,d", "--memory-per-node", "40", "--out", rr)).ExitCode);
            var planned = await Cli.RunAsync("plan", "--model", RealConfigFolder, "--nodes", "a,b,c,d", "--memory-per-node", "40",
                "--strategy", "replicated", "--stats", trace, "--replica-budget", "30", "--out", replicated);
            Assert.True(planned.ExitCode == 0, planned.ToString());

            var run = await Cli.RunAsync("plan", "simulate", "--model", RealConfigFolder, "--plans", $"{rr},{replicated}", "--trace", trace,
                "--network", "10gbe", "--batch", "32", "--json");
            Assert.True(run.ExitCode == 0, run.ToString());
            var results = JsonDocument.Parse(run.StdOut).RootElement.EnumerateArray().ToArray();
            Assert.Equal(["round-robin", "replicated"], results.Select(r => r.GetProperty("strategy").GetString()));
            Assert.All(results, r => Assert.True(r.GetProperty("tokens_per_second").GetDouble() > 0));
            // Every token uses experts 0 and 1: round-robin sends all rows to nodes a and b.
            Assert.Equal(2.0, results[0].GetProperty("node_load_imbalance").GetDouble(), 6);
            Assert.True(results[1].GetProperty("node_load_imbalance").GetDouble() < 1.2, run.StdOut);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_trace_of_another_depth_is_refused_naming_the_flag()
    {
        string dir = Directory.CreateTempSubdirectory("plan-simulate-").FullName;
        try
        {
            string trace = Path.Combine(dir, "trace.jsonl"), plan = Path.Combine(dir, "rr.json");
            File.WriteAllText(trace, "{\"prompt\": 0, \"position\": 0, \"layer\": 0, \"experts\": [0, 1], \"weights\": [0.5, 0.5]}\n");
            Assert.Equal(0, (await Cli.RunAsync("plan", "--model", RealConfigFolder, "--nodes", "a,b", "--out", plan)).ExitCode);
            var run = await Cli.RunAsync("plan", "simulate", "--model", RealConfigFolder, "--plans", plan, "--trace", trace);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains("--trace: the trace has 1 layers, the model 32", run.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
