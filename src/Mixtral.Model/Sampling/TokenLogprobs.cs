using System.Numerics.Tensors;

namespace Mixtral.Model.Sampling;

/// <summary>One token and its log-probability.</summary>
public sealed record TokenLogprob(int TokenId, double Logprob);

/// <summary>
/// The log-probability of a chosen token and of the most likely tokens at that step, under the model's own distribution:
/// log_softmax of the raw logits, before the repetition penalty, temperature and top-k / top-p (what vLLM reports by
/// default), so the figure describes the model, not the request's sampling settings.
/// </summary>
public sealed record TokenLogprobs(double Logprob, IReadOnlyList<TokenLogprob> Top)
{
    /// <summary>The most alternatives a request may ask for (OpenAI's limit for top_logprobs).</summary>
    public const int MaxTop = 20;

    /// <summary>The log-normaliser of a logits row, log Σ exp(l), from the largest logit (so nothing overflows), with
    /// SIMD primitives: a few microseconds for 32,000 logits, so a server can report every token's logprob.</summary>
    /// <param name="scratch">As long as <paramref name="logits"/>; overwritten.</param>
    public static double LogSumExp(ReadOnlySpan<float> logits, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(logits);
        scratch = scratch[..logits.Length];
        TensorPrimitives.Subtract(logits, max, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return max + Math.Log(TensorPrimitives.Sum<float>(scratch));
    }

    /// <inheritdoc cref="LogSumExp(ReadOnlySpan{float}, Span{float})"/>
    public static double LogSumExp(ReadOnlySpan<float> logits) => LogSumExp(logits, new float[logits.Length]);

    /// <summary>The <paramref name="count"/> largest logits as log-probabilities, most likely first (ties: the lower id first, as torch.topk on CPU).</summary>
    public static TokenLogprob[] MostLikely(ReadOnlySpan<float> logits, double logSumExp, int count)
    {
        count = Math.Min(count, logits.Length);
        if (count <= 0) return [];
        var ids = new int[count];
        int filled = 0;
        for (int id = 0; id < logits.Length; id++)
        {
            // Insertion into a short sorted list: count ≤ 20, so this is one comparison for almost every id.
            if (filled == count && logits[id] <= logits[ids[filled - 1]]) continue;
            int at = filled == count ? count - 1 : filled++;
            while (at > 0 && logits[ids[at - 1]] < logits[id])
            {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = id;
        }
        var top = new TokenLogprob[filled];
        for (int i = 0; i < filled; i++) top[i] = new TokenLogprob(ids[i], logits[ids[i]] - logSumExp);
        return top;
    }
}
