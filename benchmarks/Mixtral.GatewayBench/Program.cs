using System.Globalization;
using System.Text.Json.Nodes;
using Mixtral.Bench;
using Mixtral.GatewayBench;
using Mixtral.Model.Config;

// Usage: Mixtral.GatewayBench --model DIR [--url http://127.0.0.1:8080] [--cluster 127.0.0.1:30000] [--concurrency 1,4,16,64]
//        [--requests-per-client 2] [--seed 7] [--out benchmarks/results/gateway-load] [--baseline-url http://127.0.0.1:8081]
//        [--prompt-words 8,128] [--new-tokens 16,64]   (each request's prompt words and new tokens: uniform in MIN,MAX)
// With --cluster (the server's Orleans gateway), every level also runs over the typed .NET client, side by side.
// With --baseline-url (another server on the same model, e.g. an older build), every level also runs against it, the two
// alternating which goes first, so their ratio is measured under the same machine load.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
string Get(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;
if (!options.TryGetValue("model", out string? modelDir) || !File.Exists(Path.Combine(modelDir, "config.json")))
{
    Console.Error.WriteLine("error: --model DIR: the model folder the server serves (its config.json sizes the floor)");
    return 2;
}
var url = new Uri(Get("url", "http://127.0.0.1:8080"));
int[] levels = [.. Get("concurrency", "1,4,16,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
int perClient = int.Parse(Get("requests-per-client", "2"), CultureInfo.InvariantCulture);
var (minWords, maxWords) = Range("prompt-words", "8,128");
var (minTokens, maxTokens) = Range("new-tokens", "16,64");
var profile = new LoadProfile(int.Parse(Get("seed", "7"), CultureInfo.InvariantCulture), minWords, maxWords, minTokens, maxTokens);
string outPrefix = Get("out", Path.Combine("benchmarks", "results", "gateway-load"));

var config = MixtralConfig.Load(Path.Combine(modelDir, "config.json"));
var floor = new BatchFloor(DecodeBytes.For(config, 4, 4), config); // the server's default: f32 weights
using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(10) };
var baselineUrl = options.TryGetValue("baseline-url", out string? b) ? new Uri(b) : null;
using var baseline = baselineUrl is null ? null : new HttpClient { BaseAddress = baselineUrl, Timeout = TimeSpan.FromMinutes(10) };
var info = JsonNode.Parse(await http.GetStringAsync(new Uri("/info", UriKind.Relative)))!;
int maxBatch = (int?)info["max_batch_size"] ?? int.MaxValue;
Console.Error.WriteLine($"[gateway-bench] {url}: model {info["model_id"]}, max batch {maxBatch}");
using (var health = await http.GetAsync(new Uri("/health", UriKind.Relative)))
    if (!health.IsSuccessStatusCode) throw new InvalidOperationException($"/health answered {(int)health.StatusCode}: the server cannot generate");

await using var direct = options.TryGetValue("cluster", out string? gateway) ? await Mixtral.Client.MixtralClusterClient.ConnectAsync(gateway) : null;
await HttpLoad.RunAsync(http, profile.Draw(2, -1), 2); // warm-up: JIT, kernels, first allocations
if (baseline is not null) await HttpLoad.RunAsync(baseline, profile.Draw(2, -1), 2);
if (direct is not null) await DirectLoad.RunAsync(direct, profile.Draw(2, -1), 2);
var results = new List<LevelResult>();
foreach (int concurrency in levels)
{
    double bandwidth = MemoryBandwidth.MeasureGBps(passes: 5);
    var requests = profile.Draw(Math.Max(4, concurrency * perClient), concurrency);
    Console.Error.WriteLine($"[gateway-bench] {concurrency} streams, {requests.Count} requests (read bandwidth {bandwidth:F1} GB/s)...");
    LevelResult? baselineLevel = null;
    bool baselineFirst = baseline is not null && results.Count % 2 == 1; // alternate the order: neither side always runs on a warmer or quieter machine
    if (baselineFirst) baselineLevel = await MeasureAsync(baseline!, requests, concurrency, bandwidth);
    var level = await MeasureAsync(http, requests, concurrency, bandwidth);
    if (baseline is not null && !baselineFirst) baselineLevel = await MeasureAsync(baseline, requests, concurrency, bandwidth);
    level = level with { Baseline = baselineLevel };
    if (baselineLevel is not null)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrency {concurrency,3} against the baseline: {baselineLevel.TokensPerSecond,7:F1} tokens/s; TTFT p50 {baselineLevel.TtftP50:F0} ms p99 {baselineLevel.TtftP99:F0} ms; ITL p50 {baselineLevel.ItlP50:F1} ms p99 {baselineLevel.ItlP99:F1} ms; this build / baseline {level.TokensPerSecond / baselineLevel.TokensPerSecond:F2}"));
    if (direct is not null)
    {
        var (directTimings, directWall) = await DirectLoad.RunAsync(direct, requests, concurrency);
        level = level with { Direct = LevelResult.From(concurrency, level.Batch, directTimings, directWall, bandwidth, floor) };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrency {concurrency,3} over the .NET client: {level.Direct.TokensPerSecond,7:F1} tokens/s; TTFT p50 {level.Direct.TtftP50:F0} ms; ITL p50 {level.Direct.ItlP50:F1} ms"));
    }
    level = level with { BandwidthAfterGBps = MemoryBandwidth.MeasureGBps(passes: 5) };
    results.Add(level);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"concurrency {concurrency,3}: {level.TokensPerSecond,7:F1} tokens/s = {level.FractionOfFloor,4:P0} of the floor ({level.FloorTokensPerSecond:F1} at {level.BandwidthGBps:F1} GB/s; {level.BandwidthAfterGBps:F1} GB/s after{(level.BandwidthMoved ? ": MOVED" : "")}){(level.Steady is { } w ? $"; steady state {w.TokensPerSecond:F1} tokens/s over {w.Seconds:F1} s = {level.SteadyFractionOfFloor:P0}" : "")}; TTFT p50 {level.TtftP50:F0} ms p99 {level.TtftP99:F0} ms; ITL p50 {level.ItlP50:F1} ms p99 {level.ItlP99:F1} ms"));
    if (level.Server is { } steps)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  per-step floor: {steps.Fraction:P0} of it over the wall time; decode steps {steps.DecodeFraction:P0} ({steps.Steps.Decode.Steps} steps, {steps.Steps.Decode.SequencesPerStep:F1} sequences each); prefill steps {steps.PrefillShareOfWall:P0} of the wall time"));
}

// One level against one server: the load, timed by the clients, and the server's step counters around it.
async Task<LevelResult> MeasureAsync(HttpClient server, IReadOnlyList<LoadProfile.Request> requests, int concurrency, double bandwidth)
{
    var before = await ServerSteps.ScrapeAsync(server);
    var (timings, wall) = await HttpLoad.RunAsync(server, requests, concurrency);
    var after = await ServerSteps.ScrapeAsync(server);
    var result = LevelResult.From(concurrency, Math.Min(concurrency, maxBatch), timings, wall, bandwidth, floor);
    return before is not null && after is not null ? result with { Server = StepFloor.From(after.Minus(before), wall, floor, bandwidth) } : result;
}

string command = $"dotnet run -c Release --project benchmarks/Mixtral.GatewayBench -- --model {modelDir} --url {url}{(gateway is null ? "" : " --cluster " + gateway)}{(baselineUrl is null ? "" : " --baseline-url " + baselineUrl)} --concurrency {string.Join(',', levels)} --requests-per-client {perClient} --seed {profile.Seed} --prompt-words {profile.MinPromptWords},{profile.MaxPromptWords} --new-tokens {profile.MinOutputTokens},{profile.MaxOutputTokens} --out {outPrefix}";
List<string> setup =
[
    $"./mixtral synth --preset mid --out {modelDir}",
    $"./mixtral serve --model {modelDir} --port {url.Port}{(gateway is null ? "" : " --gateway-port " + gateway[(gateway.LastIndexOf(':') + 1)..])} &",
];
if (baselineUrl is not null)
    setup.Add($"# the baseline: the same serve command from a build of the baseline commit, e.g. dotnet /tmp/old-cli/mixtral.dll serve --model {modelDir} --port {baselineUrl.Port} --silo-port 11112 --gateway-port 30001 &");
LoadReport.Write(outPrefix, results, MachineInfo.Read(), profile, command, setup, MachineInfo.LoadAverage(), perClient);
Console.Error.WriteLine($"[gateway-bench] wrote {outPrefix}.md and {outPrefix}.png");
return 0;

// --NAME MIN,MAX: two positive integers, MIN ≤ MAX; anything else stops the run with a line naming the flag.
(int Min, int Max) Range(string name, string fallback)
{
    string text = Get(name, fallback);
    var parts = text.Split(',');
    if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int min) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int max)
        && min >= 1 && min <= max)
        return (min, max);
    Console.Error.WriteLine($"error: --{name} must be MIN,MAX with 1 ≤ MIN ≤ MAX, got \"{text}\"");
    Environment.Exit(2);
    return default;
}
