using System.Globalization;
using System.Text;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement;
using Mixtral.Cluster.Processes;
using Mixtral.Model.Config;

namespace Mixtral.ClusterBench;

/// <summary>
/// `--hang`: what a hung expert node (SIGSTOP for a while, then SIGCONT) costs the streams in flight, with the
/// expert-call pipeline's hedging on (the default) and off (--hedge-factor 0: calls wait for the node). Every expert has
/// a copy on both expert nodes. The modes alternate, each on a fresh cluster, and the report gives the stall per token
/// (the mean gap between tokens while the node was stopped, over the median gap before) and the longest gap.
/// Usage: Mixtral.ClusterBench --hang --model DIR [--tokens 400] [--repeats 2] [--pause-ms 1500] [--out benchmarks/results]
/// </summary>
public static class HungNodeBench
{
    private static readonly string[] Common = ["--wire-dtype", "f32", "--threads", "1", "--step-deadline", "10", "--hedge-max-delay-ms", "100",
        "--breaker-min-calls", "2", "--breaker-window-seconds", "0.5", "--breaker-break-seconds", "1"];

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string flag) => args.SkipWhile(a => a != flag).Skip(1).FirstOrDefault();
        string model = Get("--model") ?? throw new ArgumentException("--model DIR is required (e.g. the tiny fixture model)");
        int tokens = int.Parse(Get("--tokens") ?? "400", CultureInfo.InvariantCulture);
        int repeats = int.Parse(Get("--repeats") ?? "2", CultureInfo.InvariantCulture);
        var pause = TimeSpan.FromMilliseconds(double.Parse(Get("--pause-ms") ?? "1500", CultureInfo.InvariantCulture));
        string outDir = Get("--out") ?? Path.Combine("benchmarks", "results");
        var config = MixtralConfig.Load(Path.Combine(model, "config.json"));
        int[][] prompts = [[1, 5657, 12325, 9780, 19746, 4071, 16373, 7078], [1, 415, 2936, 9060, 285, 1142]];

        var rows = new List<(string Mode, int Run, PausedNodeResult Result)>();
        for (int run = 1; run <= repeats; run++)
        {
            foreach (var (mode, extra) in new[] { ("hedging (k = 3)", Array.Empty<string>()), ("no hedging", new[] { "--hedge-factor", "0" }) })
            {
                Console.Error.WriteLine($"run {run}, {mode}: starting redis-server and 3 nodes...");
                await using var cluster = await ClusterProcesses.StartAsync(ReplicatedPlan(config), model, _ => [.. Common, .. extra]);
                await foreach (var _ in cluster.Client.GenerateAsync(new() { PromptIds = prompts[0], MaxNewTokens = 24 })) { } // warm-up
                var result = await PausedNodeRun.RunAsync(cluster, "b", prompts, tokens, pauseAfterTokens: 10, pause);
                rows.Add((mode, run, result));
                Console.Error.WriteLine($"run {run}, {mode}: median gap before {Median(result.GapsBefore):F1} ms, stall per token while stopped " +
                                        $"{result.StallPerToken.TotalMilliseconds:F1} ms, longest gap {result.MaxGapWhilePaused.TotalMilliseconds:F0} ms");
            }
        }
        string report = Write(outDir, model, config, tokens, pause, rows);
        Console.Error.WriteLine($"wrote {report}");
        return 0;
    }

    private static PlacementPlan ReplicatedPlan(MixtralConfig config) => new(
        ModelFingerprint.Identify(config), "replicated (hung-node benchmark)",
        [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)],
        [.. from l in Enumerable.Range(0, config.NumHiddenLayers)
            from e in Enumerable.Range(0, config.NumLocalExperts)
            select new ExpertAssignment(l, e, e % 2 == 0 ? ["a", "b"] : ["b", "a"])]);

    private static double Median(IReadOnlyList<TimeSpan> gaps) => gaps.Count == 0 ? 0 : gaps.Order().ElementAt(gaps.Count / 2).TotalMilliseconds;

    private static string Write(string outDir, string model, MixtralConfig config, int tokens, TimeSpan pause, List<(string Mode, int Run, PausedNodeResult Result)> rows)
    {
        Directory.CreateDirectory(outDir);
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# A hung expert node: stall per token with and without hedging");
        md.AppendLine();
        md.AppendLine(inv, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Cpu()} ({Environment.ProcessorCount} cores), load average {LoadAverage()} at the end.");
        md.AppendLine(inv, $"Model `{model}` ({config.NumHiddenLayers} layers, {config.NumLocalExperts} experts); redis-server + coordinator + expert nodes a and b on loopback, every expert on both. Two greedy streams of {tokens} tokens; after 10 tokens node b gets SIGSTOP for {pause.TotalMilliseconds:F0} ms, then SIGCONT.");
        md.AppendLine(inv, $"Node flags: `{string.Join(' ', Common)}`; \"no hedging\" adds `--hedge-factor 0` (a copy is tried only when one fails or times out). The modes alternate, each on a fresh cluster, in one run of the command below; compare the rows with each other, not with other machines.");
        md.AppendLine();
        md.AppendLine("| mode | run | median gap before (ms) | gaps during the stop | stall per token while stopped (ms) | longest gap (ms) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (mode, run, r) in rows)
            md.AppendLine(inv, $"| {mode} | {run} | {Median(r.GapsBefore):F1} | {r.GapsWhilePaused.Count} | {r.StallPerToken.TotalMilliseconds:F1} | {r.MaxGapWhilePaused.TotalMilliseconds:F0} |");
        md.AppendLine();
        md.AppendLine("Stall per token: the mean gap between consecutive tokens of a stream over the gaps that overlap the stop, minus the median gap before it. Without hedging a stream waits for the stopped node, so its one gap is about the length of the stop; with hedging each call to b waits p99 × 3 of recent calls (at least 20 ms, at most 100 ms here) and is then sent to a, until b's breaker opens (half or more of at least 2 calls in the 0.5 s window overtaken) and calls go to a directly.");
        md.AppendLine();
        md.AppendLine("Reproduce: `dotnet run --project benchmarks/Mixtral.ClusterBench -c Release -- --hang --model ../shared/fixtures/tiny-mixtral`");
        string path = Path.Combine(outDir, "hung-node.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU" : "unknown CPU";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
