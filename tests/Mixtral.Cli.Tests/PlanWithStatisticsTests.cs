using System.Text.Json;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

public sealed class PlanWithStatisticsTests
{
    [Fact]
    public async Task Trace_then_stats_then_a_replicated_plan_spreads_measured_load_better_than_round_robin()
    {
        string dir = Directory.CreateTempSubdirectory("plan-stats-").FullName;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
            string prompts = Path.Combine(dir, "prompts.jsonl"), trace = Path.Combine(dir, "trace.jsonl"), stats = Path.Combine(dir, "stats.json");
            File.WriteAllLines(prompts, doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => JsonSerializer.Serialize(new { ids = p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()) })));
            var traced = await Cli.RunAsync("trace-routing", "--model", Cli.TinyModel, "--prompts", prompts, "--out", trace);
            Assert.True(traced.ExitCode == 0, traced.ToString());
            var summary = await Cli.RunAsync("stats", "--trace", trace, "--out", stats);
            Assert.True(summary.ExitCode == 0, summary.ToString());
            Assert.Contains("mean per-layer max/mean expert load", summary.StdOut, StringComparison.Ordinal);

            string rr = Path.Combine(dir, "rr.json"), replicated = Path.Combine(dir, "replicated.json");
            var run = await Cli.RunAsync("plan", "--model", Cli.TinyModel, "--nodes", "a,b,c", "--strategy", "round-robin", "--out", rr);
            Assert.True(run.ExitCode == 0, run.ToString());
            run = await Cli.RunAsync("plan", "--model", Cli.TinyModel, "--nodes", "a,b,c", "--strategy", "replicated", "--stats", stats, "--replica-budget", "0.01", "--out", replicated);
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("node load under the statistics: per-layer max/mean", run.StdOut, StringComparison.Ordinal);

            var measured = RoutingStatistics.LoadFile(stats);
            double before = PlanLoads.Compute(PlacementPlan.Load(rr), measured).MeanLayerImbalance;
            var plan = PlacementPlan.Load(replicated);
            double after = PlanLoads.Compute(plan, measured).MeanLayerImbalance;
            Assert.True(after < before, $"per-layer max/mean node load: replicated {after:F3}, round-robin {before:F3}");
            Assert.Contains(plan.Experts, a => a.Weights is { Count: > 1 });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Statistics_of_another_model_shape_are_refused_naming_the_flag()
    {
        string dir = Directory.CreateTempSubdirectory("plan-stats-").FullName;
        try
        {
            string trace = Path.Combine(dir, "t.jsonl");
            File.WriteAllText(trace, "{\"prompt\": 0, \"position\": 0, \"layer\": 0, \"experts\": [1, 2], \"weights\": [0.5, 0.5]}\n");
            var run = await Cli.RunAsync("plan", "--model", Cli.TinyModel, "--nodes", "a,b", "--strategy", "load-balanced", "--stats", trace);
            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"--stats: {trace}: statistics are for 1 layers × 8 experts, the model has 4 × 8", run.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
