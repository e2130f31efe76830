using System.Globalization;
using System.Text.Json.Nodes;
using Mixtral.Bench;
using Mixtral.GatewayBench;
using Mixtral.Model.Config;

// Usage: Mixtral.GatewayBench --model DIR [--url http://127.0.0.1:8080] [--cluster 127.0.0.1:30000] [--concurrency 1,4,16,64]
//        [--requests-per-client 2] [--seed 7] [--out benchmarks/results/gateway-load]
// With --cluster (the server's Orleans gateway), every level also runs over the typed .NET client, side by side.
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
var profile = new LoadProfile(int.Parse(Get("seed", "7"), CultureInfo.InvariantCulture), 8, 128, 16, 64);
string outPrefix = Get("out", Path.Combine("benchmarks", "results", "gateway-load"));

var config = MixtralConfig.Load(Path.Combine(modelDir, "config.json"));
var floor = new BatchFloor(DecodeBytes.For(config, 4, 4), config); // the server's default: f32 weights
using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(10) };
var info = JsonNode.Parse(await http.GetStringAsync(new Uri("/info", UriKind.Relative)))!;
int maxBatch = (int?)info["max_batch_size"] ?? int.MaxValue;
Console.Error.WriteLine($"[gateway-bench] {url}: model {info["model_id"]}, max batch {maxBatch}");
using (var health = await http.GetAsync(new Uri("/health", UriKind.Relative)))
    if (!health.IsSuccessStatusCode) throw new InvalidOperationException($"/health answered {(int)health.StatusCode}: the server cannot generate");

await using var direct = options.TryGetValue("cluster", out string? gateway) ? await Mixtral.Client.MixtralClusterClient.ConnectAsync(gateway) : null;
await HttpLoad.RunAsync(http, profile.Draw(2, -1), 2); // warm-up: JIT, kernels, first allocations
if (direct is not null) await DirectLoad.RunAsync(direct, profile.Draw(2, -1), 2);
var results = new List<LevelResult>();
foreach (int concurrency in levels)
{
    double bandwidth = MemoryBandwidth.MeasureGBps(passes: 5);
    var requests = profile.Draw(Math.Max(4, concurrency * perClient), concurrency);
    Console.Error.WriteLine($"[gateway-bench] {concurrency} streams, {requests.Count} requests (read bandwidth {bandwidth:F1} GB/s)...");
    var (timings, wall) = await HttpLoad.RunAsync(http, requests, concurrency);
    var level = LevelResult.From(concurrency, Math.Min(concurrency, maxBatch), timings, wall, bandwidth, floor);
    if (direct is not null)
    {
        var (directTimings, directWall) = await DirectLoad.RunAsync(direct, requests, concurrency);
        level = level with { Direct = LevelResult.From(concurrency, level.Batch, directTimings, directWall, bandwidth, floor) };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrency {concurrency,3} over the .NET client: {level.Direct.TokensPerSecond,7:F1} tokens/s; TTFT p50 {level.Direct.TtftP50:F0} ms; ITL p50 {level.Direct.ItlP50:F1} ms"));
    }
    results.Add(level);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"concurrency {concurrency,3}: {level.TokensPerSecond,7:F1} tokens/s = {level.FractionOfFloor,4:P0} of the floor ({level.FloorTokensPerSecond:F1}); TTFT p50 {level.TtftP50:F0} ms p99 {level.TtftP99:F0} ms; ITL p50 {level.ItlP50:F1} ms p99 {level.ItlP99:F1} ms"));
}

string command = $"dotnet run -c Release --project benchmarks/Mixtral.GatewayBench -- --model {modelDir} --url {url}{(gateway is null ? "" : " --cluster " + gateway)} --concurrency {string.Join(',', levels)} --requests-per-client {perClient} --seed {profile.Seed}";
LoadReport.Write(outPrefix, results, MachineInfo.Read(), profile, command, $"./mixtral serve --model {modelDir} --port {url.Port}{(gateway is null ? "" : " --gateway-port " + gateway[(gateway.LastIndexOf(':') + 1)..])}", MachineInfo.LoadAverage());
Console.Error.WriteLine($"[gateway-bench] wrote {outPrefix}.md and {outPrefix}.png");
return 0;
