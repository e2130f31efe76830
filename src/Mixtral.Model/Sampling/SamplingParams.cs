namespace Mixtral.Model.Sampling;

/// <summary>
/// How one sequence picks its next token and when it stops, under the Hugging Face / TGI names
/// (errors name the field the way an API user wrote it: <c>top_p</c>, not <c>TopP</c>).
/// </summary>
/// <remarks>
/// Greedy or sampling: TGI's OpenAI route maps <c>temperature == 0</c> to <c>do_sample = false</c>, and so
/// do we: <see cref="IsGreedy"/> is true when <see cref="DoSample"/> is false or <see cref="Temperature"/>
/// is below <see cref="GreedyTemperature"/> (vLLM's rule: 0 and anything so small that float32 logits
/// divided by it would overflow, whose limit is greedy anyway). Greedy decoding ignores temperature, top_k and top_p (transformers only adds those warpers when
/// sampling) but still applies the repetition penalty (a logits processor, applied in both modes).
/// Defaults are "off" for every warper, sampling at temperature 1, and TGI's default of 100 new tokens.
/// </remarks>
public sealed record SamplingParams
{
    /// <summary>Sampling with no warpers and no penalty: the model's own distribution.</summary>
    public static SamplingParams Default { get; } = new();

    /// <summary>Argmax decoding: the token-for-token reference that the distributed path is compared with.</summary>
    public static SamplingParams Greedy { get; } = new() { Temperature = 0 };

    /// <summary>Logits are divided by it before sampling. 0 means greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>False forces greedy decoding whatever the temperature (transformers' <c>do_sample</c>).</summary>
    public bool DoSample { get; init; } = true;

    /// <summary>Keep only the k highest logits (ties with the k-th are kept, as in transformers). 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches top_p. 1 = off.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>CTRL-style penalty on every id already in the prompt or the output. 1 = off.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Makes a whole generation reproducible. Null: the sampler picks one and reports it.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Generation stops with <see cref="FinishReason.Length"/> after this many tokens.</summary>
    public int MaxNewTokens { get; init; } = 100;

    /// <summary>Generation stops before the first of these strings; the string itself is not returned.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// Report each generated token's log-probability and this many most likely alternatives (0..20); null: none
    /// (nothing is computed). See <see cref="TokenLogprobs"/> for which distribution.
    /// </summary>
    public int? TopLogprobs { get; init; }

    /// <summary>Temperatures below this decode greedily (vLLM's _SAMPLING_EPS).</summary>
    public const double GreedyTemperature = 1e-5;

    public bool IsGreedy => !DoSample || Temperature < GreedyTemperature;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first field that is out of range.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Temperature) || Temperature < 0)
            throw new ArgumentOutOfRangeException("temperature", Temperature,
                $"temperature must be a finite number >= 0 (0 means greedy), got {Temperature}");
        if (TopK < 0)
            throw new ArgumentOutOfRangeException("top_k", TopK, $"top_k must be >= 0 (0 turns it off), got {TopK}");
        if (!(TopP > 0 && TopP <= 1))
            throw new ArgumentOutOfRangeException("top_p", TopP, $"top_p must be in (0, 1] (1 turns it off), got {TopP}");
        if (!double.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0)
            throw new ArgumentOutOfRangeException("repetition_penalty", RepetitionPenalty,
                $"repetition_penalty must be a finite number > 0 (1 turns it off), got {RepetitionPenalty}");
        if (MaxNewTokens < 1)
            throw new ArgumentOutOfRangeException("max_new_tokens", MaxNewTokens, $"max_new_tokens must be >= 1, got {MaxNewTokens}");
        if (TopLogprobs is < 0 or > TokenLogprobs.MaxTop)
            throw new ArgumentOutOfRangeException("top_logprobs", TopLogprobs, $"top_logprobs must be 0..{TokenLogprobs.MaxTop}, got {TopLogprobs}");
        if (StopSequences is null)
            throw new ArgumentException("stop_sequences must be a list (empty for none), got null", "stop_sequences");
        for (int i = 0; i < StopSequences.Count; i++)
        {
            if (string.IsNullOrEmpty(StopSequences[i]))
                throw new ArgumentException($"stop_sequences[{i}] must be a non-empty string", "stop_sequences");
        }
    }
}
