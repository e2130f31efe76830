using System.Diagnostics;

namespace Mixtral.Model.Inference;

/// <summary>
/// Splits the wall time of forward steps into <see cref="StepPhase"/>s. Sections nest and count exclusive time: the
/// projections inside attention count as projections, the rest of attention as attention. Off by default, when a
/// section costs one static read. Meant for one thread running steps one after another (a benchmark), not for a server.
/// </summary>
public static class StepProfiler
{
    private static readonly long[] Ticks = new long[Enum.GetValues<StepPhase>().Length];
    private static StepPhase _current;
    private static long _since;

    public static bool Enabled { get; private set; }

    /// <summary>Clears the counters and starts counting, in phase <see cref="StepPhase.Other"/>.</summary>
    public static void Start()
    {
        Array.Clear(Ticks);
        _current = StepPhase.Other;
        _since = Stopwatch.GetTimestamp();
        Enabled = true;
    }

    /// <summary>Stops counting and returns the time spent in each phase since <see cref="Start"/>.</summary>
    public static IReadOnlyDictionary<StepPhase, TimeSpan> Stop()
    {
        Switch(StepPhase.Other);
        Enabled = false;
        return Enum.GetValues<StepPhase>().ToDictionary(p => p, p => Stopwatch.GetElapsedTime(0, Ticks[(int)p]));
    }

    /// <summary>Counts the time until the returned section is disposed as <paramref name="phase"/>.</summary>
    public static Section Enter(StepPhase phase)
    {
        if (!Enabled) return default;
        var previous = _current;
        Switch(phase);
        return new Section(previous, active: true);
    }

    private static void Switch(StepPhase next)
    {
        long now = Stopwatch.GetTimestamp();
        Ticks[(int)_current] += now - _since;
        _since = now;
        _current = next;
    }

    public readonly struct Section(StepPhase previous, bool active) : IDisposable
    {
        public void Dispose()
        {
            if (active && Enabled) Switch(previous);
        }
    }
}
