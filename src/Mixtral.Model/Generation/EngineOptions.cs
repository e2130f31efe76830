namespace Mixtral.Model.Generation;

/// <summary>Limits of the continuous-batching scheduler.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences decoded together in one step; more wait in the admission queue.</summary>
    public int MaxBatchSequences { get; init; } = 32;

    /// <summary>
    /// Prompt tokens fed into one step (chunked prefill): a longer prompt is fed in chunks of this size over several
    /// steps, each also carrying every running sequence's next token, so a long prompt stalls the running streams by
    /// one chunk's compute per step instead of its whole length. 512: on the `mid` CPU benchmark it cuts the worst stall
    /// of running streams ~4× against unchunked with no cost to the long prompt's own first token, and it leaves a GPU
    /// enough rows per expert matrix per step to keep prefill throughput; on a CPU, 128 cut the stall 14× at the same
    /// time to first token (benchmarks/results/long-prefill.md).
    /// </summary>
    public int MaxPrefillTokensPerStep { get; init; } = 512;

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
