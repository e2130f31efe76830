using System.Diagnostics;

namespace Mixtral.Cluster.Grains.Network;

/// <summary>
/// One emulated resource that serves one thing at a time, first come first served: a link's direction
/// (<see cref="NetworkEmulation"/>) or a node's device (<see cref="Experts.ExpertDeviceEmulation"/>). A use arriving
/// while the lane is busy starts when it frees. Waits are Task.Delay above a millisecond and a yielding wait for the
/// rest, so sub-millisecond uses are kept to within tens of microseconds without a thread sleeping through them.
/// </summary>
public sealed class EmulatedLane
{
    private readonly Lock _gate = new();
    private long _freeAt;

    /// <summary>Reserves the lane for <paramref name="seconds"/> from <paramref name="arrivedTimestamp"/> (or from when it
    /// frees, if later) and returns the <see cref="Stopwatch"/> timestamp at which that use ends.</summary>
    public long Reserve(long arrivedTimestamp, double seconds)
    {
        lock (_gate)
        {
            _freeAt = Math.Max(arrivedTimestamp, _freeAt) + (long)(seconds * Stopwatch.Frequency);
            return _freeAt;
        }
    }

    /// <summary>Waits until <see cref="Stopwatch.GetTimestamp"/> reaches <paramref name="timestamp"/>.</summary>
    public static async Task WaitUntilAsync(long timestamp)
    {
        long left;
        while ((left = timestamp - Stopwatch.GetTimestamp()) > 0)
        {
            double ms = left * 1000.0 / Stopwatch.Frequency;
            if (ms > 1.5) await Task.Delay(TimeSpan.FromMilliseconds(ms - 1)).ConfigureAwait(false); // timers fire late by up to ~1 ms
            else await Task.Yield();
        }
    }
}
