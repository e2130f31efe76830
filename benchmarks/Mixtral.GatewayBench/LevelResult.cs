using Mixtral.Bench;

namespace Mixtral.GatewayBench;

/// <summary>One concurrency level's measurements and the floor it is compared with.</summary>
public sealed record LevelResult(int Concurrency, int Batch, int Requests, long Tokens, double WallSeconds, double BandwidthGBps, double FloorTokensPerSecond,
    double TtftP50, double TtftP99, double ItlP50, double ItlP99, double ExpectedExpertsPerLayer)
{
    /// <summary>The same requests over the typed .NET client in the same run, when measured.</summary>
    public LevelResult? Direct { get; init; }

    /// <summary>The steps the server ran for this level against their own floor, when the server publishes them.</summary>
    public StepFloor? Server { get; init; }

    /// <summary>The same requests against the baseline server (--baseline-url) in the same run, when measured.</summary>
    public LevelResult? Baseline { get; init; }

    /// <summary>The read bandwidth measured again right after the level: this VM's bandwidth jumps between two modes
    /// (~35 and ~60 GB/s) from minute to minute, and a level whose two samples disagree has no single floor.</summary>
    public double? BandwidthAfterGBps { get; init; }

    /// <summary>True when the samples before and after the level differ by more than a quarter.</summary>
    public bool BandwidthMoved => BandwidthAfterGBps is { } after && Math.Abs(after - BandwidthGBps) > 0.25 * Math.Min(after, BandwidthGBps);

    /// <summary>The stretch of the level with every client streaming (null when it never lasted long enough).</summary>
    public SteadyWindow? Steady { get; init; }

    public double TokensPerSecond => Tokens / WallSeconds;
    public double FractionOfFloor => TokensPerSecond / FloorTokensPerSecond;
    public double? SteadyFractionOfFloor => Steady is null ? null : Steady.TokensPerSecond / FloorTokensPerSecond;

    /// <summary>The steady state against the floor at the higher of the two bandwidth samples: the floor is linear in the
    /// bandwidth, and a level that ran partly in the fast mode must not be credited with the slow mode's floor.</summary>
    public double? SteadyFractionOfHigherFloor => SteadyFractionOfFloor is not { } f ? null
        : BandwidthAfterGBps is { } after && after > BandwidthGBps ? f * BandwidthGBps / after : f;

    public static LevelResult From(int concurrency, int batch, List<StreamTiming> timings, double wallSeconds, double bandwidth, BatchFloor floor)
    {
        var ttft = timings.Select(t => t.FirstTokenMs).Order().ToArray();
        var itl = timings.SelectMany(t => t.GapsMs).Order().ToArray();
        return new LevelResult(concurrency, batch, timings.Count, timings.Sum(t => (long)t.Tokens), wallSeconds, bandwidth, floor.TokensPerSecond(batch, bandwidth),
            Percentile(ttft, 0.5), Percentile(ttft, 0.99), Percentile(itl, 0.5), Percentile(itl, 0.99), floor.ExpectedExpertsPerLayer(batch))
        {
            Steady = SteadyWindow.From(timings, concurrency),
        };
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
