using System.Text.Json;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Testing;

namespace Mixtral.Cli.Tests;

/// <summary>
/// `synth --routing-skew S --layer-affinity A` measured the way a user would: synthesise, trace real forward passes
/// with `trace-routing`, count. Plain random routers are nearly uniform; the options must make the skew visible.
/// </summary>
public sealed class RoutingSkewTests
{
    [Fact]
    public async Task Routing_skew_raises_expert_imbalance_and_layer_affinity_raises_next_layer_lift()
    {
        string dir = Directory.CreateTempSubdirectory("routing-skew-").FullName;
        try
        {
            var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(FixturePaths.TinyMixtral, "config.json")))!;
            config["num_hidden_layers"] = JsonSerializer.SerializeToElement(6);
            string configFile = Path.Combine(dir, "config.json");
            File.WriteAllText(configFile, JsonSerializer.Serialize(config));
            var random = new Random(7);
            string prompts = Path.Combine(dir, "prompts.jsonl");
            File.WriteAllLines(prompts, Enumerable.Range(0, 12).Select(_ => JsonSerializer.Serialize(new { ids = Enumerable.Range(0, 64).Select(i => i == 0 ? 1 : random.Next(3, 32000)) })));

            var plain = await Measure(dir, configFile, prompts, "0", "0");
            var skewed = await Measure(dir, configFile, prompts, "1.0", "0");
            var affine = await Measure(dir, configFile, prompts, "0", "0.8");

            double plainImbalance = MeanImbalance(plain), skewedImbalance = MeanImbalance(skewed);
            Assert.True(skewedImbalance >= 2.0 && skewedImbalance >= plainImbalance + 0.5,
                $"mean per-layer max/mean expert load: plain {plainImbalance:F2}, --routing-skew 1 {skewedImbalance:F2}");
            double plainLift = MeanBestLift(plain), affineLift = MeanBestLift(affine);
            Assert.True(affineLift >= plainLift + 0.3,
                $"mean best next-layer lift P(j|i)/P(j): plain {plainLift:F2}, --layer-affinity 0.8 {affineLift:F2}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task An_out_of_range_skew_is_refused_naming_the_flag()
    {
        var run = await Cli.RunAsync("synth", "--preset", "tiny", "--out", Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}"), "--layer-affinity", "1.5");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--layer-affinity must be in [0, 1), got 1.5", run.StdErr, StringComparison.Ordinal);
    }

    private static async Task<RoutingStatistics> Measure(string dir, string config, string prompts, string skew, string affinity)
    {
        string model = Path.Combine(dir, $"model-{skew}-{affinity}"), trace = Path.Combine(dir, $"trace-{skew}-{affinity}.jsonl");
        var synth = await Cli.RunAsync("synth", "--config", config, "--out", model, "--routing-skew", skew, "--layer-affinity", affinity, "--dtype", "f32");
        Assert.True(synth.ExitCode == 0, synth.ToString());
        var run = await Cli.RunAsync("trace-routing", "--model", model, "--prompts", prompts, "--out", trace);
        Assert.True(run.ExitCode == 0, run.ToString());
        return RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Load(trace), experts: 8);
    }

    private static double MeanImbalance(RoutingStatistics s) => Enumerable.Range(0, s.Layers).Average(s.ExpertImbalance);

    /// <summary>For each expert i of layer l, its strongest follower's lift P(j at l+1 | i) / P(j at l+1); averaged.</summary>
    private static double MeanBestLift(RoutingStatistics s) =>
        Enumerable.Range(0, s.Layers - 1).SelectMany(l => Enumerable.Range(0, s.Experts)
            .Where(i => s.Load[l][i] > 0)
            .Select(i => Enumerable.Range(0, s.Experts).Max(j => s.NextLayerLift(l, i, j)))).Average();
}
