using System.Diagnostics.Metrics;

namespace Mixtral.Model.Generation;

/// <summary>
/// The engine's counters, under names a dashboard can use (meter "Mixtral.Engine"), plus running totals for
/// benchmarks and status pages.
/// </summary>
public sealed class EngineMetrics
{
    public const string MeterName = "Mixtral.Engine";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> TokensCounter = Meter.CreateCounter<long>("mixtral.engine.tokens", "{token}", "Tokens processed by forward steps (prompt + generated)");
    private static readonly Counter<long> StepsCounter = Meter.CreateCounter<long>("mixtral.engine.steps", "{step}", "Forward steps completed");
    private static readonly Counter<long> FailedStepsCounter = Meter.CreateCounter<long>("mixtral.engine.steps.failed", "{step}", "Forward steps that failed");
    private static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("mixtral.engine.step.duration", "ms", "Duration of one forward step");
    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("mixtral.engine.batch.sequences", "{sequence}", "Sequences in one step");
    private long _queued, _admitted, _steps, _tokens, _failed, _stepTicks;

    public long RequestsQueued => Interlocked.Read(ref _queued);
    public long RequestsAdmitted => Interlocked.Read(ref _admitted);
    public long Steps => Interlocked.Read(ref _steps);
    public long TokensProcessed => Interlocked.Read(ref _tokens);
    public long FailedSteps => Interlocked.Read(ref _failed);
    /// <summary>Wall time spent inside forward steps (sampling included), summed.</summary>
    public TimeSpan StepTime => TimeSpan.FromTicks(Interlocked.Read(ref _stepTicks));

    internal void RequestQueued() => Interlocked.Increment(ref _queued);
    internal void RequestAdmitted() => Interlocked.Increment(ref _admitted);

    internal void StepCompleted(int tokens, int sequences, TimeSpan duration)
    {
        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _tokens, tokens);
        Interlocked.Add(ref _stepTicks, duration.Ticks);
        StepsCounter.Add(1);
        TokensCounter.Add(tokens);
        StepDuration.Record(duration.TotalMilliseconds);
        BatchSize.Record(sequences);
    }

    internal void StepFailed()
    {
        Interlocked.Increment(ref _failed);
        FailedStepsCounter.Add(1);
    }
}
