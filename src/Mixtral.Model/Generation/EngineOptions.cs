namespace Mixtral.Model.Generation;

/// <summary>Limits of the continuous-batching scheduler.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences decoded together in one step; more wait in the admission queue.</summary>
    public int MaxBatchSequences { get; init; } = 32;

    /// <summary>Prompt tokens admitted into one step, so a long prompt does not stall every running sequence
    /// for long (a prompt longer than this still runs, alone with the decodes of that step).</summary>
    public int MaxPrefillTokensPerStep { get; init; } = 2048;

    /// <summary>Requests waiting for a place in the batch; one more is refused with <see cref="EngineOverloadedException"/>
    /// (HTTP 429) instead of growing memory without bound.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    public void Validate()
    {
        if (MaxQueuedRequests < 0) throw new ArgumentException($"--max-queued-requests must be at least 0, got {MaxQueuedRequests}");
        if (MaxBatchSequences < 1) throw new ArgumentException($"--max-batch-sequences must be at least 1, got {MaxBatchSequences}");
        if (MaxPrefillTokensPerStep < 1) throw new ArgumentException($"--max-prefill-tokens must be at least 1, got {MaxPrefillTokensPerStep}");
    }
}
