namespace Mixtral.Bench;

/// <summary>Tokens over the wall time they took.</summary>
public sealed record Throughput(int Sequences, int Tokens, TimeSpan Window)
{
    public double TokensPerSecond => Window > TimeSpan.Zero ? Tokens / Window.TotalSeconds : 0;
}

/// <summary>One timed run and the read bandwidth sampled just before it: the bandwidth of that moment, which on a VM whose
/// bandwidth moves from minute to minute can be far from the best sample of the whole run.</summary>
public sealed record RunAtBandwidth(double TokensPerSecond, double BandwidthGBps)
{
    /// <summary>tokens/s over the floor at this run's own sample, for a step that reads <paramref name="bytesPerStep"/>.</summary>
    public double RatioToFloor(double bytesPerStep) => TokensPerSecond / (BandwidthGBps * 1e9 / bytesPerStep);
}
