namespace Mixtral.Bench;

/// <summary>
/// Read-bandwidth samples taken through the run (at the start, before every timed decode run, at the end). The floor uses
/// the best one: the machine's capability during this run, which makes the floor as high (the ratio as strict) as the
/// run allows, however busy the machine was at any one moment.
/// </summary>
public sealed class BandwidthSamples
{
    private readonly List<(string When, double GBps)> _samples = [];

    public IReadOnlyList<(string When, double GBps)> Samples => _samples;

    public double Best => _samples.Max(s => s.GBps);

    public double Worst => _samples.Min(s => s.GBps);

    /// <summary>Takes a sample, keeps it, and returns it.</summary>
    public double Measure(string when)
    {
        double gbps = MemoryBandwidth.MeasureGBps(passes: 5);
        _samples.Add((when, gbps));
        Console.Error.WriteLine($"[bench] read bandwidth ({when}): {gbps:F1} GB/s");
        return gbps;
    }
}
