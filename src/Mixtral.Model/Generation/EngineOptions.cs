namespace Mixtral.Model.Generation;

/// <summary>Limits of the continuous-batching scheduler.</summary>
public sealed record EngineOptions
{
    /// <summary>Sequences decoded together in one step; more wait in the admission queue.</summary>
    public int MaxBatchSequences { get; init; } = 32;

    /// <summary>Prompt tokens admitted into one step, so a long prompt does not stall every running sequence
    /// for long (a prompt longer than this still runs, alone with the decodes of that step).</summary>
    public int MaxPrefillTokensPerStep { get; init; } = 2048;

    public void Validate()
    {
        if (MaxBatchSequences < 1) throw new ArgumentException($"--max-batch-sequences must be at least 1, got {MaxBatchSequences}");
        if (MaxPrefillTokensPerStep < 1) throw new ArgumentException($"--max-prefill-tokens must be at least 1, got {MaxPrefillTokensPerStep}");
    }
}
