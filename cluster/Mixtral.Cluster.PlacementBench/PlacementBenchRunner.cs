using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>Everything one `mixtral bench placement` measured, and the simulator beside it when a trace was given.</summary>
public sealed record PlacementBenchResult(IReadOnlyList<StrategyMeasurement> Measurements, string StatisticsSource, long StatisticsTokens,
    Calibration? Calibration, DateTime StartedUtc, DateTime FinishedUtc, IReadOnlyDictionary<string, IReadOnlyList<double>> RunsTokensPerSecond);

/// <summary>
/// `mixtral bench placement`: for each strategy, its plan (from routing statistics: a file, or a warm-up run on the
/// first cluster), a fresh real cluster, the workload, the measurements; then, with a routing trace, the calibrated
/// simulator's replay of the same plans beside them. Strategies run one after another, one cluster at a time, so
/// every plan has the machine to itself.
/// </summary>
public static class PlacementBenchRunner
{
    /// <summary>The dtype the nodes hold experts in (their default compute dtype): what the replica budget is counted in.</summary>
    public static readonly Precision NodeDType = Precision.Float32;

    public static async Task<PlacementBenchResult> RunAsync(PlacementBenchOptions options, MixtralConfig config, Action<string> log)
    {
        var started = DateTime.UtcNow;
        var shape = ModelShape.From(config, NodeDType);
        var nodes = options.NodeNames.Select((n, i) => new NodeCapacity(n, i == 0 ? NodeRole.All : NodeRole.Experts)).ToList();
        var run = new ClusterRun(options, config.NumHiddenLayers, config.NumLocalExperts, config.NumExpertsPerTok);
        PlacementRequest Request(RoutingStatistics? stats) => new(shape, nodes, stats, (long)(options.ReplicaBudgetGb * 1e9));
        PlacementPlan Place(string strategy, RoutingStatistics? stats) =>
            PlanStrategies.Get(BaseStrategy(strategy)).Place(Request(stats) with { Cost = CostOf(strategy, options, config) });

        RoutingStatistics? statistics = null;
        string source;
        if (options.StatsPath is string statsPath)
        {
            statistics = LoadStatistics(statsPath, config.NumLocalExperts);
            statistics.RequireShape(shape.Identity, statsPath);
            source = $"`{statsPath}`";
        }
        else source = "the statistics grain after the first cluster's warm-up (round-robin plan; routing does not depend on the plan)";

        var measurements = new List<StrategyMeasurement>();
        if (statistics is null)
        {
            // The first cluster serves round-robin (it needs no statistics); its warm-up traffic, a full pass of the
            // workload with short answers, gives the statistics every other plan is made from.
            const string first = "round-robin";
            var warm = await run.MeasureAsync(first, Place(first, null), config.VocabSize, log, async client =>
            {
                await WorkloadDriver.RunAsync(client, ClusterRun.WarmUp(options.Workload) with
                {
                    Requests = options.Workload.Requests,
                    OutputTokens = options.Workload.OutputTokens,
                    PromptTokens = options.Workload.PromptTokens,
                }, config.VocabSize, line => log($"[statistics warm-up] {line}"), TimeSpan.FromSeconds(5));
                var snapshot = await client.RoutingStatisticsAsync();
                statistics = RoutingStatistics.FromJson(snapshot.StatisticsJson, "statistics grain");
                log($"[statistics warm-up] {statistics.Tokens} routed tokens");
            });
            if (options.Strategies.Contains(first)) measurements.Add(warm);
        }
        // Rounds alternate the plans (A, B, C, A, B, C, ...) so that load from elsewhere on the machine falls on all of them.
        var plans = options.Strategies.ToDictionary(s => s, s => Place(s, statistics));
        for (int round = 0; round < options.Repeat; round++)
            foreach (string strategy in options.Strategies)
            {
                if (measurements.Count(m => m.Strategy == strategy) > round) continue;
                measurements.Add(await run.MeasureAsync(strategy, plans[strategy], config.VocabSize, log));
            }
        var runs = options.Strategies.ToDictionary(s => s, s => (IReadOnlyList<double>)[.. measurements.Where(m => m.Strategy == s).Select(m => m.TokensPerSecond)]);
        // Report in the order asked; of repeated runs, the one with the median throughput.
        measurements = [.. options.Strategies.Select(s => measurements.Where(m => m.Strategy == s).OrderBy(m => m.TokensPerSecond).ElementAt((options.Repeat - 1) / 2))];

        Calibration? calibration = null;
        if (options.TracePath is string tracePath)
        {
            var trace = RoutingTokens.Group(RoutingTraceFile.Load(tracePath), tracePath);
            LinkModel? link = options.Network == "none" ? null : LinkModel.Preset(options.Network);
            calibration = Calibration.Fit(measurements, trace, config, NodeDType, link, options.WireBytesPerValue, options.EmulatedNode);
        }
        return new PlacementBenchResult(measurements, source, statistics!.Tokens, calibration, started, DateTime.UtcNow, runs);
    }

    /// <summary>Suffix of a strategy that balances expected time per node instead of rows (<see cref="StepCost"/>): it
    /// needs the nodes' kind (`--emulate-device`) to know what a row costs against a weight read.</summary>
    public const string CostSuffix = "+cost";

    /// <summary>The strategy a bench name runs: "replicated+cost" is replicated with a <see cref="StepCost"/>.</summary>
    public static string BaseStrategy(string name) => name.EndsWith(CostSuffix, StringComparison.Ordinal) ? name[..^CostSuffix.Length] : name;

    /// <summary>The step cost a "+cost" strategy balances: the workload's concurrency × experts per token rows per layer,
    /// and the emulated node's rows per weight read; null for other strategies.</summary>
    public static StepCost? CostOf(string name, PlacementBenchOptions options, MixtralConfig config)
    {
        if (BaseStrategy(name) == name) return null;
        var node = options.EmulatedNode ?? throw new ArgumentException($"strategy \"{name}\" balances time per node, which needs --emulate-device (what a row costs against a weight read)");
        return new StepCost(options.Workload.Concurrency * config.NumExpertsPerTok, EmulatedExpert.RowsPerRead(node));
    }

    /// <summary>Statistics JSON (`mixtral stats --out`) or a routing trace (`mixtral trace-routing`), told apart by the first line.</summary>
    public static RoutingStatistics LoadStatistics(string path, int experts)
    {
        string first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l)) ?? "";
        return first.TrimStart().StartsWith("{\"prompt\"", StringComparison.Ordinal)
            ? RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Load(path), experts, path)
            : RoutingStatistics.FromJson(File.ReadAllText(path), path);
    }
}
