using System.Numerics;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// When to hedge an expert call: p99 × k of the recent successful calls of the same size class, clamped to
/// [min, max]. Calls are classed by rows (1, 2, 3–4, 5–8, ...: a prefill chunk's call takes far longer than a decode
/// step's single row, and one p99 over both would hedge decode calls much too late). Until a class has seen
/// <see cref="MinSamples"/> calls its delay is the maximum.
/// </summary>
public sealed class HedgeDelay
{
    public const int MinSamples = 20;
    private const int Classes = 17; // up to 65536 rows and beyond in the last
    /// <summary>The p99 is re-sorted after this many new samples, not on every call.</summary>
    private const int RefreshEvery = 16;

    private readonly ExpertCallOptions _options;
    private readonly Window[] _windows;

    public HedgeDelay(ExpertCallOptions options)
    {
        _options = options;
        _windows = [.. Enumerable.Range(0, Classes).Select(_ => new Window(options.HedgeWindow))];
    }

    public void Record(int rows, TimeSpan latency) => _windows[ClassOf(rows)].Add(latency.TotalMilliseconds);

    /// <summary>The delay after which a call of <paramref name="rows"/> rows is hedged to another copy.</summary>
    public TimeSpan For(int rows)
    {
        double p99 = _windows[ClassOf(rows)].P99();
        if (double.IsNaN(p99)) return _options.HedgeMaxDelay;
        var delay = TimeSpan.FromMilliseconds(p99 * _options.HedgeFactor);
        return delay < _options.HedgeMinDelay ? _options.HedgeMinDelay : delay > _options.HedgeMaxDelay ? _options.HedgeMaxDelay : delay;
    }

    private static int ClassOf(int rows) => rows <= 1 ? 0 : Math.Min(Classes - 1, BitOperations.Log2((uint)(rows - 1)) + 1);

    private sealed class Window(int size)
    {
        private readonly double[] _samples = new double[size];
        private readonly Lock _gate = new();
        private long _count;
        private long _sortedAt = -1;
        private double _p99 = double.NaN;

        public void Add(double ms)
        {
            lock (_gate) _samples[_count++ % _samples.Length] = ms;
        }

        public double P99()
        {
            lock (_gate)
            {
                if (_count < MinSamples) return double.NaN;
                if (_sortedAt >= 0 && _count - _sortedAt < RefreshEvery) return _p99;
                var copy = _samples[..(int)Math.Min(_count, _samples.Length)];
                Array.Sort(copy);
                _p99 = copy[(int)Math.Ceiling(0.99 * (copy.Length - 1))];
                _sortedAt = _count;
                return _p99;
            }
        }
    }
}
