namespace Mixtral.Model.Sampling;

/// <summary>
/// Why a sequence stopped. TGI reports these as <c>length</c>, <c>eos_token</c> and <c>stop_sequence</c>;
/// the OpenAI API folds <see cref="Eos"/> and <see cref="Stop"/> into <c>"stop"</c>.
/// </summary>
public enum FinishReason
{
    /// <summary>max_new_tokens were generated (or the context is full).</summary>
    Length,

    /// <summary>The model produced an end-of-sequence token id; it is not part of the text.</summary>
    Eos,

    /// <summary>One of the stop sequences appeared in the text; the text ends just before it.</summary>
    Stop,
}
