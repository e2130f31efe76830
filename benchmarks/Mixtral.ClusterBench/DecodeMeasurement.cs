namespace Mixtral.ClusterBench;

/// <summary>
/// Aggregate decode speed of B sequences generated together: tokens after each sequence's first, over the
/// time from the moment every sequence had its first token to the last token. Prefill is excluded, as it is
/// not decode.
/// </summary>
public sealed record DecodeMeasurement(int Batch, int DecodeTokens, TimeSpan DecodeTime)
{
    public double TokensPerSecond => DecodeTokens / DecodeTime.TotalSeconds;

    public static DecodeMeasurement From(int batch, IReadOnlyList<SequenceTiming> sequences)
    {
        var start = sequences.Max(s => s.FirstToken);
        var end = sequences.Max(s => s.LastToken);
        // Tokens produced after `start`: each sequence's tokens after its first, minus those before the common start
        // (a sequence admitted early may be a token or two ahead; counting by time keeps the window honest).
        int tokens = sequences.Sum(s => s.TokenTimes.Count(t => t > start));
        return new DecodeMeasurement(batch, tokens, end - start);
    }
}

/// <summary>When each token of one sequence arrived, from a common clock.</summary>
public sealed record SequenceTiming(IReadOnlyList<TimeSpan> TokenTimes)
{
    public TimeSpan FirstToken => TokenTimes[0];
    public TimeSpan LastToken => TokenTimes[^1];
}
