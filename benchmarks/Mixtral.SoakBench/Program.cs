using System.Diagnostics;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Processes;
using Mixtral.Engine;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.SoakBench;

// Usage: Mixtral.SoakBench --model DIR [--streams 32] [--minutes 3] [--tokens 24] [--kill-every 30] [--down-for 10] [--threads 1] [--out benchmarks/results]
SoakOptions options;
try
{
    options = SoakOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
var folder = ModelFolder.Open(options.Model);
int[][] prompts = [.. Enumerable.Range(0, options.Prompts).Select(i => (int[])[1, 5657, 12325, 9780, 19746, 4071, 16373, 7078 + 101 * i])];

// The oracle: the single-process engine's greedy tokens for every prompt.
Console.Error.WriteLine($"single-process greedy tokens for {prompts.Length} prompts ({options.Tokens} tokens each)...");
var expected = new int[prompts.Length][];
await using (var local = EngineFactory.Load(folder, new ModelOptions(), new EngineOptions()))
    for (int i = 0; i < prompts.Length; i++)
        expected[i] = [.. (await local.Engine.GenerateToEndAsync(new GenerationRequest(prompts[i], new SamplingParams { DoSample = false, MaxNewTokens = options.Tokens }))).GeneratedIds];

var plan = new RoundRobinStrategy().Place(folder.Config,
    [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)]);
string threads = options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
Console.Error.WriteLine("starting redis-server and 3 nodes (coordinator + 2 expert nodes, one copy of every expert)...");
int metricsPort = FreePort.Next(); // the coordinator's HTTP API, for its managed-heap reading
await using var cluster = await ClusterProcesses.StartAsync(plan, options.Model, node => node.HostsSharedWeights
    ? ["--threads", threads, "--expert-call-timeout", "2", "--http-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]
    : ["--threads", threads, "--expert-call-timeout", "2"]);
using var metricsHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(5) };

var tally = new SoakTally();
var memory = new MemorySampler();
var events = new List<(double Seconds, string What)>();
var clock = Stopwatch.StartNew();
var soakEnds = TimeSpan.FromMinutes(options.Minutes);
using var stop = new CancellationTokenSource();

async Task StreamAsync(int stream)
{
    for (int n = 0; clock.Elapsed < soakEnds; n++)
    {
        int p = (stream + n) % prompts.Length;
        tally.Start();
        long started = Stopwatch.GetTimestamp();
        try
        {
            GenerationSummary? summary = null;
            await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = prompts[p], MaxNewTokens = options.Tokens }))
                summary = e.Summary ?? summary;
            tally.Finished(summary is not null && summary.GeneratedIds.SequenceEqual(expected[p]), Stopwatch.GetElapsedTime(started));
        }
        catch (Exception e)
        {
            if (tally.Failure(e)) Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s: a request failed: {e}");
        }
    }
}

async Task KillsAsync()
{
    string[] victims = ["a", "b"];
    for (int k = 0; ; k++)
    {
        await Task.Delay(TimeSpan.FromSeconds(options.KillEverySeconds), stop.Token);
        if (clock.Elapsed + TimeSpan.FromSeconds(options.DownForSeconds) > soakEnds) return;
        string victim = victims[k % victims.Length];
        await cluster.KillAsync(victim);
        lock (events) events.Add((clock.Elapsed.TotalSeconds, $"kill -9 {victim}"));
        Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s: killed {victim}; {tally.Right} right, {tally.Wrong} wrong, {tally.Failed} failed so far");
        await Task.Delay(TimeSpan.FromSeconds(options.DownForSeconds), CancellationToken.None);
        try
        {
            await cluster.RestartAsync(victim);
        }
        catch (InvalidOperationException e)
        {
            lock (events) events.Add((clock.Elapsed.TotalSeconds, $"{victim} FAILED to restart"));
            Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s: {victim} did not restart: {e.Message}");
            await cluster.RestartAsync(victim); // once more, as an operator would
        }
        lock (events) events.Add((clock.Elapsed.TotalSeconds, $"{victim} rejoined"));
        Console.Error.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s: {victim} restarted and has its experts back");
    }
}

async Task SampleMemoryAsync()
{
    while (!stop.IsCancellationRequested)
    {
        foreach (string node in cluster.NodeNames)
        {
            var process = cluster.Node(node);
            if (!process.HasExited) memory.Take(clock.Elapsed.TotalSeconds, node, process.Id);
        }
        if (await MemorySampler.ManagedHeapMiBAsync(metricsHttp) is double heap) memory.Add(clock.Elapsed.TotalSeconds, "coord managed heap", heap);
        try { await Task.Delay(TimeSpan.FromSeconds(2), stop.Token); }
        catch (OperationCanceledException) { return; }
    }
}

Console.Error.WriteLine($"soak: {options.Streams} streams for {options.Minutes} min, an expert node killed every {options.KillEverySeconds} s and restarted {options.DownForSeconds} s later");
var sampling = SampleMemoryAsync();
var kills = KillsAsync();
await Task.WhenAll(Enumerable.Range(0, options.Streams).Select(StreamAsync));
await stop.CancelAsync();
try { await kills; } catch (OperationCanceledException) { }
await sampling;

Console.Error.WriteLine($"requests: {tally.Started} started, {tally.Right} right, {tally.Wrong} wrong, {tally.Failed} failed; latency p50 {tally.Percentile(0.5):F2} s, p99 {tally.Percentile(0.99):F2} s, max {tally.Percentile(1):F2} s");
foreach (var (failure, count) in tally.Failures) Console.Error.WriteLine($"  {count} × {failure}");
string report = SoakReport.Write(options, clock.Elapsed, tally, memory, events);
Console.Error.WriteLine($"wrote {report}");
return tally.Wrong + tally.Failed == 0 && tally.Right == tally.Started ? 0 : 1;
