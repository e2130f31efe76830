namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// Bounds of a fan-out probe. The probe allocates rows × hidden floats per expert and loops once per sample on the
/// coordinator, so unbounded numbers from a client would let one call pin the coordinator's memory or its time.
/// The caps are far above what a benchmark needs (a prefill chunk of rows, a few thousand samples).
/// </summary>
public static class FanOutProbeLimits
{
    /// <summary>Rows per expert: a full default prefill step (2048 tokens) on one expert.</summary>
    public const int MaxRowsPerExpert = 2048;

    /// <summary>Samples per probe: enough for a stable p99.</summary>
    public const int MaxSamples = 10_000;

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the first value out of range and its bounds.</summary>
    public static void Check(int experts, int rowsPerExpert, int samples, int expertsInLayer)
    {
        if (experts < 1 || experts > expertsInLayer)
            throw new ArgumentOutOfRangeException(nameof(experts), experts, $"probe: experts must be 1..{expertsInLayer}, got {experts}");
        if (rowsPerExpert < 1 || rowsPerExpert > MaxRowsPerExpert)
            throw new ArgumentOutOfRangeException(nameof(rowsPerExpert), rowsPerExpert,
                $"probe: rows per expert must be 1..{MaxRowsPerExpert}, got {rowsPerExpert}");
        if (samples < 1 || samples > MaxSamples)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"probe: samples must be 1..{MaxSamples}, got {samples}");
    }
}
