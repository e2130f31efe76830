using System.Diagnostics.Metrics;

namespace Mixtral.Model.Generation;

/// <summary>
/// A reader of one engine's <see cref="EngineMetrics"/> through a <see cref="MeterListener"/>: totals since it started
/// (or the last <see cref="Reset"/>), the current queue depth and batch, and windows of recent latencies for
/// percentiles. For status pages, tests and benchmarks; it keeps no record the instruments do not publish.
/// </summary>
public sealed class EngineMetricsReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _totals = [];
    private readonly Dictionary<string, long> _byReason = [];
    private readonly Dictionary<string, double> _byKind = []; // "name/kind" → total (steps, expert reads, step seconds)
    private readonly Dictionary<(int Layer, int Expert), long> _expertTokens = [];
    private readonly LatencyWindow _stepSeconds = new(), _firstTokenSeconds = new(), _interTokenSeconds = new();
    private double _stepSecondsTotal;
    private int _queueDepth, _running;

    public EngineMetricsReader(EngineMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => OnCount(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            lock (_gate)
            {
                if (instrument.Name == EngineMetrics.QueueDepthName) _queueDepth = value;
                else if (instrument.Name == EngineMetrics.RunningSequencesName) _running = value;
            }
        });
        _listener.SetMeasurementEventCallback<double>((instrument, seconds, tags, _) =>
        {
            lock (_gate)
            {
                if (KindOf(tags) is string kind) _byKind[instrument.Name + "/" + kind] = _byKind.GetValueOrDefault(instrument.Name + "/" + kind) + seconds;
                switch (instrument.Name)
                {
                    case EngineMetrics.StepDurationName: _stepSeconds.Add(seconds); _stepSecondsTotal += seconds; break;
                    case EngineMetrics.TimeToFirstTokenName: _firstTokenSeconds.Add(seconds); break;
                    case EngineMetrics.InterTokenLatencyName: _interTokenSeconds.Add(seconds); break;
                }
            }
        });
        _listener.Start();
    }

    public long Steps => Total(EngineMetrics.StepsName);
    public long FailedSteps => Total(EngineMetrics.FailedStepsName);
    public long TokensProcessed => Total(EngineMetrics.TokensProcessedName);
    public long TokensGenerated => Total(EngineMetrics.TokensGeneratedName);
    public long RequestsAdmitted => Total(EngineMetrics.RequestsAdmittedName);
    public long RequestsRejected => Total(EngineMetrics.RequestsRejectedName);
    public long RequestsFinished => Total(EngineMetrics.RequestsFinishedName);

    /// <summary>Wall time spent inside forward steps (sampling included), summed.</summary>
    public TimeSpan StepTime { get { lock (_gate) return TimeSpan.FromSeconds(_stepSecondsTotal); } }

    /// <summary>Requests refused (reason overloaded, context_length, invalid) or ended (eos, length, stop, cancelled, failed, shutdown) for one reason.</summary>
    public long Rejected(string reason) => ByReason(EngineMetrics.RequestsRejectedName, reason);
    public long Finished(string reason) => ByReason(EngineMetrics.RequestsFinishedName, reason);

    /// <summary>Steps of one kind (<see cref="EngineMetrics.DecodeStep"/> or <see cref="EngineMetrics.PrefillStep"/>).</summary>
    public long StepsOf(string kind) => (long)ByKind(EngineMetrics.StepsName, kind);

    /// <summary>Wall time inside steps of one kind, summed.</summary>
    public TimeSpan StepTimeOf(string kind) => TimeSpan.FromSeconds(ByKind(EngineMetrics.StepDurationName, kind));

    /// <summary>Distinct (layer, expert) pairs chosen by the tokens of steps of one kind, summed over those steps.</summary>
    public long ExpertReadsOf(string kind) => (long)ByKind(EngineMetrics.StepExpertReadsName, kind);

    /// <summary>Token rows routed to expert <paramref name="expert"/> of <paramref name="layer"/>.</summary>
    public long ExpertTokens(int layer, int expert) { lock (_gate) return _expertTokens.GetValueOrDefault((layer, expert)); }

    /// <summary>Requests waiting for a place in the batch now (collected from the gauge).</summary>
    public int QueueDepth { get { Collect(); lock (_gate) return _queueDepth; } }

    /// <summary>Sequences in the running batch now (collected from the gauge).</summary>
    public int RunningSequences { get { Collect(); lock (_gate) return _running; } }

    /// <summary>The q-quantile (0..1) of recent step durations, times to first token, inter-token latencies; zero before any sample.</summary>
    public TimeSpan StepDuration(double q) { lock (_gate) return TimeSpan.FromSeconds(_stepSeconds.Percentile(q)); }
    public TimeSpan TimeToFirstToken(double q) { lock (_gate) return TimeSpan.FromSeconds(_firstTokenSeconds.Percentile(q)); }
    public TimeSpan InterTokenLatency(double q) { lock (_gate) return TimeSpan.FromSeconds(_interTokenSeconds.Percentile(q)); }

    /// <summary>Starts a fresh window: totals and latency samples (the gauges are current values, not totals).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _totals.Clear();
            _byReason.Clear();
            _byKind.Clear();
            _expertTokens.Clear();
            _stepSeconds.Clear();
            _firstTokenSeconds.Clear();
            _interTokenSeconds.Clear();
            _stepSecondsTotal = 0;
        }
    }

    private void Collect() => _listener.RecordObservableInstruments();

    private long Total(string name) { lock (_gate) return _totals.GetValueOrDefault(name); }

    private long ByReason(string name, string reason) { lock (_gate) return _byReason.GetValueOrDefault(name + "/" + reason); }

    private double ByKind(string name, string kind) { lock (_gate) return _byKind.GetValueOrDefault(name + "/" + kind); }

    private static string? KindOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (tag.Key == EngineMetrics.StepKindTag) return tag.Value as string;
        return null;
    }

    private void OnCount(string name, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? reason = null;
        int layer = -1, expert = -1;
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case EngineMetrics.ReasonTag: reason = tag.Value as string; break;
                case "layer": layer = (int)tag.Value!; break;
                case "expert": expert = (int)tag.Value!; break;
            }
        }
        lock (_gate)
        {
            _totals[name] = _totals.GetValueOrDefault(name) + value;
            if (KindOf(tags) is string kind) _byKind[name + "/" + kind] = _byKind.GetValueOrDefault(name + "/" + kind) + value;
            if (reason is not null) _byReason[name + "/" + reason] = _byReason.GetValueOrDefault(name + "/" + reason) + value;
            if (name == EngineMetrics.ExpertTokensName) _expertTokens[(layer, expert)] = _expertTokens.GetValueOrDefault((layer, expert)) + value;
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The most recent samples of one histogram, for percentiles (a ring: old samples fall out).</summary>
    private sealed class LatencyWindow
    {
        private readonly double[] _samples = new double[8192];
        private long _count;

        public void Add(double value) => _samples[_count++ % _samples.Length] = value;

        public void Clear() => _count = 0;

        public double Percentile(double q)
        {
            var copy = _samples[..(int)Math.Min(_count, _samples.Length)];
            if (copy.Length == 0) return 0;
            Array.Sort(copy);
            return copy[(int)Math.Min(copy.Length - 1, Math.Round(q * (copy.Length - 1)))];
        }
    }
}
