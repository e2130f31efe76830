namespace Mixtral.Model.Inference;

/// <summary>New tokens of one sequence in a step: a whole prompt (prefill) or one token (decode).</summary>
public sealed record SequenceChunk(KvCache Cache, IReadOnlyList<int> TokenIds);

/// <summary>Which rows of a step the LM head is applied to.</summary>
public enum LogitRows
{
    /// <summary>Only the last token of every chunk: what generation needs (the LM head is the biggest matrix).</summary>
    LastOfEachChunk,
    /// <summary>Every token: what tracing and scoring need.</summary>
    All,
}

/// <summary>
/// One forward step over several sequences, flattened: the chunks' tokens are concatenated into one
/// [N, D] activation so every weight is read once per step however many sequences there are; only
/// attention looks at chunks separately, each against its own cache. Prefill and decode are the same path.
/// </summary>
public sealed class TokenBatch
{
    public TokenBatch(IReadOnlyList<SequenceChunk> chunks, LogitRows logitRows = LogitRows.LastOfEachChunk)
    {
        if (chunks.Count == 0) throw new ArgumentException("a batch needs at least one sequence", nameof(chunks));
        var offsets = new int[chunks.Count];
        int total = 0;
        for (int i = 0; i < chunks.Count; i++)
        {
            if (chunks[i].TokenIds.Count == 0) throw new ArgumentException($"sequence {i} of the batch has no tokens", nameof(chunks));
            if (chunks.Take(i).Any(c => ReferenceEquals(c.Cache, chunks[i].Cache)))
                throw new ArgumentException($"sequence {i} appears twice in one batch", nameof(chunks));
            offsets[i] = total;
            total += chunks[i].TokenIds.Count;
        }
        Chunks = chunks;
        Offsets = offsets;
        TokenCount = total;
        LogitRows = logitRows;
    }

    public IReadOnlyList<SequenceChunk> Chunks { get; }
    /// <summary>Row of each chunk's first token in the flattened batch.</summary>
    public IReadOnlyList<int> Offsets { get; }
    public int TokenCount { get; }
    public LogitRows LogitRows { get; }

    public long[] FlatTokenIds()
    {
        var ids = new long[TokenCount];
        for (int c = 0; c < Chunks.Count; c++)
            for (int i = 0; i < Chunks[c].TokenIds.Count; i++) ids[Offsets[c] + i] = Chunks[c].TokenIds[i];
        return ids;
    }

    /// <summary>Position of every token: its index in its own sequence (cache length + offset in chunk).</summary>
    public long[] FlatPositions()
    {
        var positions = new long[TokenCount];
        for (int c = 0; c < Chunks.Count; c++)
            for (int i = 0; i < Chunks[c].TokenIds.Count; i++) positions[Offsets[c] + i] = Chunks[c].Cache.Length + i;
        return positions;
    }

    /// <summary>The rows the LM head must produce logits for, in chunk order.</summary>
    public long[] LogitRowIndices() => LogitRows == LogitRows.All
        ? Enumerable.Range(0, TokenCount).Select(i => (long)i).ToArray()
        : Chunks.Select((c, i) => (long)(Offsets[i] + c.TokenIds.Count - 1)).ToArray();
}
