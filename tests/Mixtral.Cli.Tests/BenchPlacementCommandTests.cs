using System.Text.Json;
using Mixtral.Model.Config;

namespace Mixtral.Cli.Tests;

/// <summary>
/// `mixtral bench placement`: bad flags are refused naming the flag (exit 2, before any cluster starts), and one small
/// real run (redis-server + 3 `mixtral node` processes, emulated 10 GbE) writes a report whose numbers agree with
/// the model's arithmetic and with the nodes' own counters.
/// </summary>
public sealed class BenchPlacementCommandTests
{
    private static string Workload(string dir, string json)
    {
        string path = Path.Combine(dir, "w.json");
        File.WriteAllText(path, json);
        return path;
    }

    private const string SmallWorkload = """
        {"name": "test", "requests": 4, "concurrency": 4, "arrival_rate_per_second": null, "seed": 3,
         "prompt_tokens": {"distribution": "fixed", "value": 6}, "output_tokens": {"distribution": "fixed", "value": 5}}
        """;

    public static TheoryData<string[], string> BadFlags => new()
    {
        { ["--nodes", "1", "--strategies", "round-robin", "--workload", "W"], "--nodes must be at least 2" },
        { ["--nodes", "3", "--strategies", "round-robin,nearest", "--workload", "W"], "--strategies: unknown placement strategy \"nearest\"" },
        { ["--nodes", "3", "--strategies", "round-robin,round-robin", "--workload", "W"], "--strategies: a strategy is listed twice" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "W", "--network", "5gbe"], "--network: unknown network preset \"5gbe\"" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "W", "--replica-budget", "-1"], "--replica-budget must be a non-negative number of GB" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "/nonexistent/w.json"], "--workload: /nonexistent/w.json not found" },
        { ["--nodes", "3", "--strategies", "round-robin"], "--workload FILE is required" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "W", "--trace", "/nonexistent/t.jsonl"], "--trace: /nonexistent/t.jsonl not found" },
        { ["--nodes", "3", "--strategies", "round-robin", "--simulate"], "--simulate needs --trace" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "W", "--wire-dtype", "int4"], "--wire-dtype: \"int4\" is not bf16, f16 or f32" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "W", "--emulate-device", "tpu"], "--emulate-device: unknown node model \"tpu\"" },
        { ["--nodes", "3", "--strategies", "round-robin", "--workload", "W", "--emulate-device", "40/0"], "--emulate-device: unknown node model \"40/0\"" },
        { ["--nodes", "3", "--strategies", "round-robin,replicated+cost", "--workload", "W"], "--strategies: \"replicated+cost\" balances time per node, which needs --emulate-device" },
        { ["--nodes", "3", "--strategies", "round-robin+cost", "--workload", "W", "--emulate-device", "cpu"], "--strategies: \"round-robin+cost\": only load-balanced and replicated take +cost" },
    };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task Bad_flags_are_refused_naming_the_flag(string[] flags, string expected)
    {
        string dir = Directory.CreateTempSubdirectory("bench-flags-").FullName;
        try
        {
            string workload = Workload(dir, SmallWorkload);
            var run = await Cli.RunAsync(["bench", "placement", "--model", Cli.TinyModel, "--out", dir, .. flags.Select(f => f == "W" ? workload : f)]);
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains(expected, run.StdErr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(dir, "*.md"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_bad_workload_field_is_named()
    {
        string dir = Directory.CreateTempSubdirectory("bench-flags-").FullName;
        try
        {
            string workload = Workload(dir, SmallWorkload.Replace("\"concurrency\": 4", "\"concurrency\": 0", StringComparison.Ordinal));
            var run = await Cli.RunAsync("bench", "placement", "--model", Cli.TinyModel, "--nodes", "2", "--strategies", "round-robin", "--workload", workload);
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains("--workload", run.StdErr, StringComparison.Ordinal);
            Assert.Contains("concurrency", run.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_real_three_node_run_with_split_copies_reports_the_model_s_wire_arithmetic_and_the_nodes_own_call_counts()
    {
        string dir = Directory.CreateTempSubdirectory("bench-run-").FullName;
        try
        {
            var config = MixtralConfig.Load(Path.Combine(Cli.TinyModel, "config.json"));
            // Statistics where every token picks expert 0, and 1 or 2 (24 and 8 of 32 tokens), at every layer: on 3 nodes
            // expert 0 alone is the heaviest host, so the replicated plan splits it over two copies.
            string stats = Path.Combine(dir, "stats.jsonl");
            File.WriteAllLines(stats, from t in Enumerable.Range(0, 32)
                                      from l in Enumerable.Range(0, config.NumHiddenLayers)
                                      select $"{{\"prompt\": 0, \"position\": {t}, \"layer\": {l}, \"experts\": [0, {(t < 24 ? 1 : 2)}], \"weights\": [0.6, 0.4]}}");
            var run = await Cli.RunAsync("bench", "placement", "--model", Cli.TinyModel, "--nodes", "3", "--strategies", "replicated",
                "--workload", Workload(dir, SmallWorkload), "--network", "10gbe", "--replica-budget", "0.01", "--stats", stats,
                "--out", dir, "--name", "bench");
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("[replicated] running workload test", run.StdErr, StringComparison.Ordinal); // progress while it runs
            foreach (string file in new[] { "bench.md", "bench-throughput.png", "bench-latency.png", "bench-node-load.png" })
                Assert.True(new FileInfo(Path.Combine(dir, file)).Length > 0, file);

            var m = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "bench.json"))).RootElement.GetProperty("strategies")[0];
            Assert.Equal("replicated", m.GetProperty("strategy").GetString());
            Assert.True(m.GetProperty("extra_copies").GetInt32() >= 1, "the replicated plan made no copy");
            Assert.True(m.GetProperty("tokens_per_second").GetDouble() > 0);
            // Every routed row goes out and back once per chosen expert at every layer, bf16 on the wire (2 bytes a value).
            int perToken = 2 * config.NumExpertsPerTok * config.NumHiddenLayers;
            Assert.Equal(perToken, m.GetProperty("hops_per_token").GetDouble(), 6);
            Assert.Equal(perToken * config.HiddenSize * 2.0, m.GetProperty("wire_bytes_per_token").GetDouble(), 6);
            var nodes = m.GetProperty("nodes").EnumerateArray().ToArray();
            // The coordinator's call meter (one call per copy contacted) against the calls the nodes say they served.
            Assert.Equal(m.GetProperty("expert_calls").GetInt64(), nodes.Sum(n => n.GetProperty("calls").GetInt64()));
            Assert.Equal(m.GetProperty("rows").GetInt64() * config.NumExpertsPerTok * config.NumHiddenLayers, nodes.Sum(n => n.GetProperty("rows").GetDouble()), 3);
            Assert.Contains("| replicated |", File.ReadAllText(Path.Combine(dir, "bench.md")), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
