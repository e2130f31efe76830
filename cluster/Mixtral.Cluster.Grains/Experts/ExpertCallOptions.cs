namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// How the coordinator's expert calls behave under faults (<see cref="ExpertCallResilience"/>): one record, every
/// default written here, checked once by <see cref="Validate"/> with messages that name the node flag. The node's
/// configuration keys (NodeOptions) carry the same names in snake_case.
/// </summary>
public sealed record ExpertCallOptions
{
    /// <summary>One attempt to one copy gives up after this (--expert-call-timeout).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a call whose every copy failed, with jittered exponential backoff from <see cref="RetryBaseDelay"/>
    /// to <see cref="RetryMaxDelay"/> (--expert-call-retries). 9 retries span about 10 s: long enough to outlast the
    /// cluster declaring a lost node dead, short enough to fail clearly when no copy is left.</summary>
    public int MaxRetries { get; init; } = 9;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>k: a call still unanswered after p99 × k of recent calls of its size is hedged to another copy; 0 = no
    /// hedging (--hedge-factor). 3 keeps hedges to well under 1% of calls on a healthy cluster.</summary>
    public double HedgeFactor { get; init; } = 3;
    /// <summary>The hedge delay never goes below this (a p99 of 1 ms would hedge on scheduling noise) (--hedge-min-delay-ms).</summary>
    public TimeSpan HedgeMinDelay { get; init; } = TimeSpan.FromMilliseconds(20);
    /// <summary>... nor above this; also the delay used until the window holds enough calls to estimate a p99 (--hedge-max-delay-ms).</summary>
    public TimeSpan HedgeMaxDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Recent successful calls per size class the p99 is taken over (--hedge-window).</summary>
    public int HedgeWindow { get; init; } = 256;

    /// <summary>A node's breaker opens when at least this share of its calls in <see cref="BreakerSamplingDuration"/>
    /// failed, timed out or were overtaken by a hedge (--breaker-failure-ratio) ...</summary>
    public double BreakerFailureRatio { get; init; } = 0.5;
    /// <summary>... once it has seen at least this many calls (--breaker-min-calls) ...</summary>
    public int BreakerMinimumCalls { get; init; } = 4;
    /// <summary>The window the failure ratio is taken over (--breaker-window-seconds). Short, because a hung node's last
    /// successes stay in the window and outvote its failures: with 1 s the breaker opens about 1 s into a hang.</summary>
    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>... and stays open this long before one trial call may close it again (--breaker-break-seconds).</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>One forward step (every layer's fan-out) must finish within this, or it fails with
    /// <see cref="StepDeadlineExceededException"/> naming the experts it waited on (--step-deadline).</summary>
    public TimeSpan StepDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The coordinator computes the experts whose copy is on its own node in place instead of calling their
    /// grains in its own process (<see cref="LocalExperts"/>); false sends every call through the grains, as a
    /// node without the coordinator would see them (--local-experts-via-grains).</summary>
    public bool InPlaceLocalExperts { get; init; } = true;

    public bool Hedging => HedgeFactor > 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag of the first setting out of range.</summary>
    public void Validate()
    {
        Positive(AttemptTimeout, "--expert-call-timeout", TimeSpan.FromDays(1));
        if (MaxRetries is < 0 or > 100) throw new ArgumentException($"--expert-call-retries must be in 0..100, got {MaxRetries}");
        Positive(RetryBaseDelay, "retry base delay", TimeSpan.FromMinutes(1));
        Positive(RetryMaxDelay, "retry max delay", TimeSpan.FromMinutes(10));
        if (!(HedgeFactor == 0 || HedgeFactor is >= 1 and <= 1000))
            throw new ArgumentException($"--hedge-factor must be 0 (no hedging) or in 1..1000 (times the recent p99), got {HedgeFactor}");
        Positive(HedgeMinDelay, "--hedge-min-delay-ms", TimeSpan.FromMinutes(10), scale: 1000);
        Positive(HedgeMaxDelay, "--hedge-max-delay-ms", TimeSpan.FromMinutes(10), scale: 1000);
        if (HedgeMaxDelay < HedgeMinDelay)
            throw new ArgumentException($"--hedge-max-delay-ms ({HedgeMaxDelay.TotalMilliseconds}) must be at least --hedge-min-delay-ms ({HedgeMinDelay.TotalMilliseconds})");
        if (HedgeWindow is < 16 or > 65536) throw new ArgumentException($"--hedge-window must be in 16..65536 calls, got {HedgeWindow}");
        if (!(BreakerFailureRatio is > 0 and <= 1)) throw new ArgumentException($"--breaker-failure-ratio must be in (0, 1], got {BreakerFailureRatio}");
        if (BreakerMinimumCalls is < 2 or > 10_000) throw new ArgumentException($"--breaker-min-calls must be in 2..10000, got {BreakerMinimumCalls}");
        Positive(BreakerSamplingDuration, "--breaker-window-seconds", TimeSpan.FromDays(1));
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500))
            throw new ArgumentException($"--breaker-window-seconds must be at least 0.5, got {BreakerSamplingDuration.TotalSeconds}");
        Positive(BreakerBreakDuration, "--breaker-break-seconds", TimeSpan.FromDays(1));
        if (BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
            throw new ArgumentException($"--breaker-break-seconds must be at least 0.5, got {BreakerBreakDuration.TotalSeconds}");
        Positive(StepDeadline, "--step-deadline", TimeSpan.FromDays(1));
    }

    private static void Positive(TimeSpan value, string flag, TimeSpan max, double scale = 1)
    {
        if (value <= TimeSpan.Zero || value > max)
            throw new ArgumentException($"{flag} must be positive and at most {max.TotalSeconds * scale}, got {value.TotalSeconds * scale}");
    }
}
