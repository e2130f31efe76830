namespace Mixtral.GatewayBench;

/// <summary>
/// A level's steady state: from the moment every client is streaming (the last request of the first wave has its first
/// token) until the queue runs dry (the last request is sent; after it the clients drop out one by one as they finish).
/// Inside it the server always has `concurrency` requests in flight, as a load test's measurement window has; the
/// level's whole wall time also counts the ramp-up and the tail, where the batch is smaller than the concurrency.
/// </summary>
public sealed record SteadyWindow(double StartMs, double EndMs, long Tokens)
{
    /// <summary>Windows shorter than this are left out: too few steps to mean anything.</summary>
    private const double MinimumMs = 2000;

    public double Seconds => (EndMs - StartMs) / 1000;
    public double TokensPerSecond => Tokens / Seconds;

    /// <summary>The window of <paramref name="timings"/> run by <paramref name="clients"/> closed-loop clients, or null when
    /// the level never had all clients streaming for long (as many requests as clients, or a short level).</summary>
    public static SteadyWindow? From(IReadOnlyList<StreamTiming> timings, int clients)
    {
        var started = timings.Where(t => t.Tokens > 0).OrderBy(t => t.StartMs).ToList();
        if (started.Count <= clients) return null;
        double start = started.Take(clients).Max(t => t.StartMs + t.FirstTokenMs);
        double end = started[^1].StartMs;
        if (end - start < MinimumMs) return null;
        long tokens = 0;
        foreach (var t in started)
        {
            double at = t.StartMs + t.FirstTokenMs; // each token's arrival: the first, then gap after gap
            if (at >= start && at < end) tokens++;
            foreach (double gap in t.GapsMs)
            {
                at += gap;
                if (at >= start && at < end) tokens++;
            }
        }
        return new SteadyWindow(start, end, tokens);
    }
}
