using System.Diagnostics.Metrics;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// A reader of one <see cref="FanOutMetrics"/>: totals since the last <see cref="Reset"/> and a window of recent
/// fan-out latencies for p50/p99, for the coordinator's status and the benchmarks (which measure one phase at a time).
/// </summary>
public sealed class FanOutWindow : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly double[] _window = new double[8192];
    private readonly Lock _gate = new();
    private long _samples, _calls, _bytes, _retries, _ticks;

    public FanOutWindow(FanOutMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, ms, _, _) =>
        {
            if (instrument.Name != FanOutMetrics.FanOutDurationName) return; // per-node call latency is for dashboards
            lock (_gate) _window[_samples++ % _window.Length] = ms;
            Interlocked.Add(ref _ticks, TimeSpan.FromMilliseconds(ms).Ticks);
        });
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case FanOutMetrics.ExpertCallsName: Interlocked.Add(ref _calls, value); break;
                case FanOutMetrics.WireBytesName: Interlocked.Add(ref _bytes, value); break;
                case FanOutMetrics.RetriesName: Interlocked.Add(ref _retries, value); break;
            }
        });
        _listener.Start();
    }

    public long FanOuts { get { lock (_gate) return _samples; } }
    public long ExpertCalls => Interlocked.Read(ref _calls);
    public long WireBytes => Interlocked.Read(ref _bytes);
    public long Retries => Interlocked.Read(ref _retries);
    /// <summary>Wall time spent waiting on fan-outs, summed (the distributed overhead plus the experts' compute).</summary>
    public TimeSpan FanOutTime => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    /// <summary>The q-quantile (0..1) of the recent fan-out latencies, in ms; 0 before any sample.</summary>
    public double Percentile(double q)
    {
        double[] copy;
        lock (_gate) copy = _window[..(int)Math.Min(_samples, _window.Length)];
        if (copy.Length == 0) return 0;
        Array.Sort(copy);
        return copy[(int)Math.Min(copy.Length - 1, Math.Round(q * (copy.Length - 1)))];
    }

    /// <summary>Starts a fresh window: every total, retries included, and the latency samples.</summary>
    public void Reset()
    {
        lock (_gate) _samples = 0;
        Interlocked.Exchange(ref _calls, 0);
        Interlocked.Exchange(ref _bytes, 0);
        Interlocked.Exchange(ref _retries, 0);
        Interlocked.Exchange(ref _ticks, 0);
    }

    public void Dispose() => _listener.Dispose();
}
