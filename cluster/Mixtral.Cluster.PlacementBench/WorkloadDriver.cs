using System.Diagnostics;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Placement.Workloads;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>How one request of a workload went: latency from arrival to last token, time to first token, tokens.</summary>
public sealed record RequestTiming(int Index, double LatencyMs, double FirstTokenMs, int Tokens);

/// <summary>The whole workload through one cluster: every request's timing and the wall time from start to last token.</summary>
public sealed record WorkloadRun(IReadOnlyList<RequestTiming> Requests, double WallSeconds)
{
    public long Tokens => Requests.Sum(r => (long)r.Tokens);
}

/// <summary>
/// Sends a workload through the typed client exactly as the file says: requests arrive at their (Poisson or closed
/// loop) times, at most <see cref="Workload.Concurrency"/> are in flight, each a greedy generation of its output
/// length from a prompt of its length (token ids drawn from a seeded generator, so every plan sees the same prompts).
/// Reports progress every <paramref name="progressEvery"/> while it runs.
/// </summary>
public static class WorkloadDriver
{
    public static async Task<WorkloadRun> RunAsync(MixtralClusterClient client, Workload workload, int vocabulary,
        Action<string> progress, TimeSpan progressEvery, CancellationToken cancellationToken = default)
    {
        var requests = workload.Generate();
        var clock = Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(workload.Concurrency);
        long tokens = 0;
        int finished = 0;
        var results = new RequestTiming[requests.Count];
        using var reporter = new Timer(_ => progress(
            $"{Volatile.Read(ref finished)}/{requests.Count} requests done, {Interlocked.Read(ref tokens)} tokens, " +
            $"{Interlocked.Read(ref tokens) / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F1} tok/s, {clock.Elapsed.TotalSeconds:F0} s"),
            null, progressEvery, progressEvery);

        async Task One(WorkloadRequest r)
        {
            var arrival = TimeSpan.FromSeconds(r.ArrivalSeconds);
            if (clock.Elapsed < arrival) await Task.Delay(arrival - clock.Elapsed, cancellationToken);
            double arrived = clock.Elapsed.TotalMilliseconds;
            await slots.WaitAsync(cancellationToken);
            try
            {
                var request = new GenerateRequest { PromptIds = Prompt(workload.Seed, r, vocabulary), MaxNewTokens = r.OutputTokens };
                double first = -1;
                int count = 0;
                await foreach (var e in client.GenerateAsync(request, cancellationToken))
                {
                    if (e.TokenId < 0) continue;
                    if (count++ == 0) first = clock.Elapsed.TotalMilliseconds - arrived;
                    Interlocked.Increment(ref tokens);
                }
                results[r.Index] = new RequestTiming(r.Index, clock.Elapsed.TotalMilliseconds - arrived, first, count);
                Interlocked.Increment(ref finished);
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(requests.Select(One));
        return new WorkloadRun(results, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Prompt ids of request r: seeded by the workload and the request, in [3, vocabulary) (no BOS, EOS or UNK).</summary>
    public static int[] Prompt(int seed, WorkloadRequest r, int vocabulary)
    {
        var random = new Random(unchecked(seed * 1_000_003 + r.Index)); // not HashCode: it is salted per process
        return [.. Enumerable.Range(0, r.PromptTokens).Select(_ => random.Next(3, vocabulary))];
    }

    public static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
