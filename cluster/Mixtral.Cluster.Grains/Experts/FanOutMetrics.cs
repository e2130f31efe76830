using System.Diagnostics.Metrics;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The cost of distribution, per layer fan-out (coordinator → experts → coordinator): latency, expert calls and
/// bytes on the wire. Published under meter "Mixtral.Cluster", and kept as a recent-sample window for p50/p99.
/// </summary>
public sealed class FanOutMetrics
{
    public const string MeterName = "Mixtral.Cluster";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> FanOutDuration = Meter.CreateHistogram<double>("mixtral.cluster.fanout.duration", "ms", "One layer's parallel expert calls, coordinator to coordinator");
    private static readonly Counter<long> ExpertCallsCounter = Meter.CreateCounter<long>("mixtral.cluster.expert.calls", "{call}", "Expert grain calls");
    private static readonly Counter<long> WireBytesCounter = Meter.CreateCounter<long>("mixtral.cluster.wire.bytes", "By", "Hidden-state bytes sent to and received from experts");
    private static readonly Counter<long> RetriesCounter = Meter.CreateCounter<long>("mixtral.cluster.expert.retries", "{call}", "Expert calls retried after a failure or timeout");

    private readonly double[] _window = new double[8192];
    private readonly Lock _gate = new();
    private long _samples, _calls, _bytes, _retries, _ticks;

    public long FanOuts => Interlocked.Read(ref _samples);
    public long ExpertCalls => Interlocked.Read(ref _calls);
    public long WireBytes => Interlocked.Read(ref _bytes);
    public long Retries => Interlocked.Read(ref _retries);
    /// <summary>Wall time spent waiting on fan-outs, summed (the distributed overhead plus the experts' compute).</summary>
    public TimeSpan FanOutTime => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public void Record(TimeSpan duration, int calls, long bytes)
    {
        double ms = duration.TotalMilliseconds;
        lock (_gate) _window[_samples++ % _window.Length] = ms;
        Interlocked.Add(ref _calls, calls);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Add(ref _ticks, duration.Ticks);
        FanOutDuration.Record(ms);
        ExpertCallsCounter.Add(calls);
        WireBytesCounter.Add(bytes);
    }

    public void Retried()
    {
        Interlocked.Increment(ref _retries);
        RetriesCounter.Add(1);
    }

    /// <summary>The q-quantile (0..1) of the recent fan-out latencies, in ms; 0 before any sample.</summary>
    public double Percentile(double q)
    {
        double[] copy;
        lock (_gate) copy = _window[..(int)Math.Min(_samples, _window.Length)];
        if (copy.Length == 0) return 0;
        Array.Sort(copy);
        return copy[(int)Math.Min(copy.Length - 1, Math.Round(q * (copy.Length - 1)))];
    }

    /// <summary>Starts a fresh window (benchmarks measure one phase at a time).</summary>
    public void Reset()
    {
        lock (_gate) _samples = 0;
        Interlocked.Exchange(ref _calls, 0);
        Interlocked.Exchange(ref _bytes, 0);
        Interlocked.Exchange(ref _ticks, 0);
    }
}
