using System.Globalization;
using Mixtral.ClusterBench;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Engine;

// Usage: Mixtral.ClusterBench --model DIR [--tokens 32] [--prompt-length 8] [--threads 2] [--wire bf16] [--out benchmarks/results]
// Or: Mixtral.ClusterBench --hang --model DIR: a hung expert node's stall per token, hedging on and off (HungNodeBench).
if (args.Contains("--hang")) return await HungNodeBench.RunAsync(args);
var options = BenchOptions.Parse(args);
int[] batches = [1, 8, 32];
var folder = ModelFolder.Open(options.Model);
var config = folder.Config;
Console.Error.WriteLine($"model {options.Model}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumLocalExperts} experts; " +
                        $"{options.Tokens} new tokens per sequence, prompts of {options.PromptLength}, {options.Threads} threads, wire {options.Wire}");

// 1. The single-process engine, alone on the machine.
var single = new Dictionary<int, DecodeMeasurement>();
TorchSharp.torch.set_num_threads(options.Threads);
await using (var local = EngineFactory.Load(folder, new ModelOptions(), new EngineOptions()))
{
    IAsyncEnumerable<int> Generate(int i) => LocalTokens(local.Engine, BatchRunner.Prompt(i, options.PromptLength), options.Tokens);
    await BatchRunner.RunAsync(2, Generate); // warm-up: JIT, caches, kernels
    foreach (int b in batches)
    {
        single[b] = await BatchRunner.RunAsync(b, Generate);
        Console.Error.WriteLine($"single process, batch {b,2}: {single[b].TokensPerSecond,7:F1} tokens/s");
    }
}

// 2. The same model over three processes on loopback.
var cluster = new Dictionary<int, ClusterMeasurement>();
var probes = new List<Mixtral.Cluster.Contracts.Coordinator.FanOutProbe>();
Console.Error.WriteLine("starting redis-server and 3 nodes (coordinator + 2 expert nodes)...");
await using (var loopback = await LoopbackCluster.StartAsync(options.Model, config, options.Threads, options.ExpertThreads, options.Wire))
{
    var coordinator = loopback.Client;
    IAsyncEnumerable<int> Generate(int i) => ClusterTokens(coordinator, BatchRunner.Prompt(i, options.PromptLength), options.Tokens);
    await BatchRunner.RunAsync(2, Generate);
    foreach (int b in batches)
    {
        var beforeAll = await coordinator.StatusAsync();
        var before = beforeAll.Coordinator!;
        await coordinator.ResetMetricsAsync();
        var decode = await BatchRunner.RunAsync(b, Generate);
        var afterAll = await coordinator.StatusAsync();
        var after = afterAll.Coordinator!;
        double computeMs = afterAll.Nodes.Sum(n => n.ExpertComputeMs) - beforeAll.Nodes.Sum(n => n.ExpertComputeMs);
        double tokens = after.TokensProcessed - before.TokensProcessed;
        cluster[b] = new ClusterMeasurement(decode,
            after.WireBytes / (tokens * config.NumHiddenLayers),
            after.FanOutP50Ms, after.FanOutP99Ms,
            after.FanOutTotalMs / (after.StepTotalMs - before.StepTotalMs),
            (double)after.ExpertCalls / Math.Max(1, after.FanOuts),
            computeMs / Math.Max(1, after.FanOuts));
        Console.Error.WriteLine($"cluster,        batch {b,2}: {decode.TokensPerSecond,7:F1} tokens/s ({decode.TokensPerSecond / single[b].TokensPerSecond:F2}× single), " +
                                $"fan-out p50 {after.FanOutP50Ms:F2} ms p99 {after.FanOutP99Ms:F2} ms, {cluster[b].WireBytesPerTokenPerLayer:F0} B/token/layer, " +
                                $"expert compute {cluster[b].ExpertComputeMsPerFanOut:F2} ms per fan-out (both nodes)");
    }
    // The same fan-out shapes to experts that do no math: what distribution itself costs.
    foreach (var (experts, rows) in new[] { (2, 1), (7, 2), (8, 8) })
    {
        var probe = await coordinator.ProbeFanOutAsync(experts, rows, 300);
        probes.Add(probe);
        Console.Error.WriteLine($"probe: {experts} experts × {rows} rows, no math: p50 {probe.P50Ms:F3} ms, p99 {probe.P99Ms:F3} ms");
    }
}

string report = ClusterReport.Write(options, config, batches, single, cluster, probes);
Console.Error.WriteLine($"wrote {report}");
return 0;

static async IAsyncEnumerable<int> LocalTokens(InferenceEngine engine, int[] prompt, int tokens)
{
    var request = new GenerationRequest(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens });
    await foreach (var e in engine.GenerateAsync(request))
        if (e is TokenGenerated t) yield return t.TokenId;
}

static async IAsyncEnumerable<int> ClusterTokens(Mixtral.Client.MixtralClusterClient client, int[] prompt, int tokens)
{
    await foreach (var e in client.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = tokens }))
        if (e.TokenId >= 0) yield return e.TokenId;
}
