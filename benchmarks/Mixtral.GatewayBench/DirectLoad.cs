using System.Diagnostics;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.GatewayBench;

/// <summary>
/// The same requests over the typed .NET client (Orleans, straight to the coordinator, no HTTP), timed the same way:
/// side by side with <see cref="HttpLoad"/> in one run, the ratio is what the HTTP layer costs.
/// </summary>
public static class DirectLoad
{
    public static async Task<(List<StreamTiming> Timings, double WallSeconds)> RunAsync(MixtralClusterClient client, IReadOnlyList<LoadProfile.Request> requests, int clients)
    {
        var clock = Stopwatch.StartNew();
        var queue = new System.Collections.Concurrent.ConcurrentQueue<LoadProfile.Request>(requests);
        var timings = new System.Collections.Concurrent.ConcurrentBag<StreamTiming>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (queue.TryDequeue(out var r)) timings.Add(await OneAsync(client, r, clock));
        }));
        return ([.. timings], clock.Elapsed.TotalSeconds);
    }

    private static async Task<StreamTiming> OneAsync(MixtralClusterClient client, LoadProfile.Request r, Stopwatch clock)
    {
        double start = clock.Elapsed.TotalMilliseconds, first = double.NaN, last = start;
        var gaps = new List<double>();
        int tokens = 0;
        await foreach (var e in client.GenerateAsync(new GenerateRequest { PromptText = r.Prompt, MaxNewTokens = r.MaxNewTokens }))
        {
            if (e.TokenId < 0) continue;
            double now = clock.Elapsed.TotalMilliseconds;
            if (tokens == 0) first = now - start;
            else gaps.Add(now - last);
            last = now;
            tokens++;
        }
        return new StreamTiming(start, first, gaps, tokens, clock.Elapsed.TotalMilliseconds);
    }
}
