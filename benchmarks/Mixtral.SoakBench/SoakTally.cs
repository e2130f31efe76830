using System.Collections.Concurrent;

namespace Mixtral.SoakBench;

/// <summary>Every request of the soak: its outcome (right tokens, wrong tokens, failed with which error) and its latency.</summary>
public sealed class SoakTally
{
    private readonly ConcurrentBag<double> _latencies = [];
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private int _right, _wrong, _started;

    public int Started => _started;
    public int Right => _right;
    public int Wrong => _wrong;
    public int Failed => _failures.Values.Sum();
    public IReadOnlyDictionary<string, int> Failures => _failures;

    public void Start() => Interlocked.Increment(ref _started);

    public void Finished(bool right, TimeSpan latency)
    {
        Interlocked.Increment(ref right ? ref _right : ref _wrong);
        _latencies.Add(latency.TotalSeconds);
    }

    /// <summary>Counts a failed request; true the first time its kind of failure is seen (worth printing whole).</summary>
    public bool Failure(Exception e)
    {
        string kind = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        return _failures.AddOrUpdate(kind, 1, (_, n) => n + 1) == 1;
    }

    public double Percentile(double p)
    {
        var sorted = _latencies.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}
