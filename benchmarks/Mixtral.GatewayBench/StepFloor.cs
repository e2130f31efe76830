using Mixtral.Bench;

namespace Mixtral.GatewayBench;

/// <summary>
/// The memory-bandwidth floor of the steps the server actually ran: each step reads the shared weights once and every
/// expert its tokens chose (counted by the engine, per step), so Σ floor time = (steps × shared bytes + expert reads ×
/// bytes of one expert) / bandwidth. Set against the level's wall time this charges everything the floor leaves out
/// (prefill compute, idle gaps, HTTP); set against the time inside decode steps it is the decode step's own efficiency.
/// </summary>
public sealed record StepFloor(ServerSteps Steps, double WallSeconds, double FloorDecodeSeconds, double FloorPrefillSeconds, int Layers)
{
    public static StepFloor From(ServerSteps steps, double wallSeconds, BatchFloor floor, double bandwidthGBps)
    {
        double bytesPerSecond = bandwidthGBps * 1e9;
        double Seconds(StepTotals t) => (t.Steps * floor.SharedBytes + t.ExpertReads * (double)floor.ExpertBytesPerLayer) / bytesPerSecond;
        return new StepFloor(steps, wallSeconds, Seconds(steps.Decode), Seconds(steps.Prefill), floor.Config.NumHiddenLayers);
    }

    /// <summary>Σ floor time of every step over the wall time: the fraction of the per-step floor the level reached.</summary>
    public double Fraction => (FloorDecodeSeconds + FloorPrefillSeconds) / WallSeconds;

    /// <summary>Σ floor time of the decode steps over the time spent inside them.</summary>
    public double DecodeFraction => Steps.Decode.Seconds > 0 ? FloorDecodeSeconds / Steps.Decode.Seconds : double.NaN;

    public double PrefillShareOfWall => Steps.Prefill.Seconds / WallSeconds;
    public double DecodeShareOfWall => Steps.Decode.Seconds / WallSeconds;
    public double IdleShareOfWall => Math.Max(0, 1 - (Steps.Prefill.Seconds + Steps.Decode.Seconds) / WallSeconds);
}
