using System.Globalization;
using Mixtral.ClusterBench;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Serving;

// Usage: Mixtral.ClusterBench --model DIR [--tokens 32] [--prompt-length 8] [--threads 2] [--wire bf16] [--out benchmarks/results]
var options = BenchOptions.Parse(args);
int[] batches = [1, 8, 32];
var folder = ModelFolder.Open(options.Model);
var config = folder.Config;
Console.Error.WriteLine($"model {options.Model}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumLocalExperts} experts; " +
                        $"{options.Tokens} new tokens per sequence, prompts of {options.PromptLength}, {options.Threads} threads, wire {options.Wire}");

// 1. The single-process engine, alone on the machine.
var single = new Dictionary<int, DecodeMeasurement>();
TorchSharp.torch.set_num_threads(options.Threads);
await using (var local = LocalEngine.Load(folder, new ModelOptions()))
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
Console.Error.WriteLine("starting redis-server and 3 nodes (coordinator + 2 expert nodes)...");
await using (var loopback = await LoopbackCluster.StartAsync(options.Model, config, options.Threads, options.Wire))
{
    var coordinator = loopback.Client;
    IAsyncEnumerable<int> Generate(int i) => ClusterTokens(coordinator, BatchRunner.Prompt(i, options.PromptLength), options.Tokens);
    await BatchRunner.RunAsync(2, Generate);
    foreach (int b in batches)
    {
        var before = (await coordinator.StatusAsync()).Coordinator!;
        await coordinator.ResetMetricsAsync();
        var decode = await BatchRunner.RunAsync(b, Generate);
        var after = (await coordinator.StatusAsync()).Coordinator!;
        double tokens = after.TokensProcessed - before.TokensProcessed;
        cluster[b] = new ClusterMeasurement(decode,
            after.WireBytes / (tokens * config.NumHiddenLayers),
            after.FanOutP50Ms, after.FanOutP99Ms,
            after.FanOutTotalMs / (after.StepTotalMs - before.StepTotalMs),
            (double)after.ExpertCalls / Math.Max(1, after.FanOuts));
        Console.Error.WriteLine($"cluster,        batch {b,2}: {decode.TokensPerSecond,7:F1} tokens/s ({decode.TokensPerSecond / single[b].TokensPerSecond:F2}× single), " +
                                $"fan-out p50 {after.FanOutP50Ms:F2} ms p99 {after.FanOutP99Ms:F2} ms, {cluster[b].WireBytesPerTokenPerLayer:F0} B/token/layer");
    }
}

string report = ClusterReport.Write(options, config, batches, single, cluster);
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
