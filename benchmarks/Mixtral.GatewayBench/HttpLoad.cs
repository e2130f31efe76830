using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Mixtral.GatewayBench;

/// <summary>
/// N clients, each sending its share of the requests one after another over POST /generate_stream (TGI's SSE: one event
/// per token, so every token's arrival is seen), greedy. Returns each request's timing.
/// </summary>
public static class HttpLoad
{
    public static async Task<(List<StreamTiming> Timings, double WallSeconds)> RunAsync(HttpClient http, IReadOnlyList<LoadProfile.Request> requests, int clients)
    {
        var clock = Stopwatch.StartNew();
        var queue = new System.Collections.Concurrent.ConcurrentQueue<LoadProfile.Request>(requests);
        var timings = new System.Collections.Concurrent.ConcurrentBag<StreamTiming>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (queue.TryDequeue(out var r)) timings.Add(await OneAsync(http, r, clock));
        }));
        return ([.. timings], clock.Elapsed.TotalSeconds);
    }

    private static async Task<StreamTiming> OneAsync(HttpClient http, LoadProfile.Request r, Stopwatch clock)
    {
        double start = clock.Elapsed.TotalMilliseconds;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/generate_stream", UriKind.Relative))
        {
            Content = JsonContent.Create(new JsonObject { ["inputs"] = r.Prompt, ["parameters"] = new JsonObject { ["max_new_tokens"] = r.MaxNewTokens } }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"/generate_stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double first = double.NaN, last = start;
        var gaps = new List<double>();
        int tokens = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            double now = clock.Elapsed.TotalMilliseconds;
            var e = JsonNode.Parse(line[5..])!;
            if (e["error"] is not null) throw new InvalidOperationException($"stream failed: {line}");
            if (tokens == 0) first = now - start;
            else gaps.Add(now - last);
            last = now;
            tokens++;
        }
        return new StreamTiming(start, first, gaps, tokens, clock.Elapsed.TotalMilliseconds);
    }
}
