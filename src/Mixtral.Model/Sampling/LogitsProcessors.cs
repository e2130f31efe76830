using System.Buffers;

namespace Mixtral.Model.Sampling;

/// <summary>
/// transformers' logits processors and warpers as in-place functions over one row of logits [V]. A token
/// that is filtered out gets -inf (transformers' <c>filter_value</c>), so softmax gives it probability 0.
/// Arithmetic is float32 like transformers' (the penalty and the temperature are rounded to float first).
/// </summary>
public static class LogitsProcessors
{
    /// <summary>
    /// The whole pipeline in the order transformers' <c>generate</c> builds it: repetition penalty (a
    /// processor, applied in greedy mode too), then, only when sampling, temperature → top-k → top-p.
    /// The order matters: the penalty can push a token out of the top k, and the temperature changes
    /// which tokens make up the top_p mass.
    /// </summary>
    public static void Apply(Span<float> logits, IReadOnlyList<int> previousIds, SamplingParams parameters)
    {
        if (parameters.RepetitionPenalty != 1.0)
            RepetitionPenalty(logits, previousIds, parameters.RepetitionPenalty);
        if (parameters.IsGreedy)
            return;
        if (parameters.Temperature != 1.0)
            Temperature(logits, parameters.Temperature);
        if (parameters.TopK > 0)
            TopK(logits, parameters.TopK);
        if (parameters.TopP < 1.0)
            TopP(logits, parameters.TopP);
    }

    /// <summary>
    /// RepetitionPenaltyLogitsProcessor (CTRL, Keskar et al. 2019): for every id in the prompt or the output,
    /// a negative logit is multiplied by the penalty and a non-negative one divided by it. An id that occurs
    /// several times is penalised once: transformers gathers every original value before it scatters any.
    /// </summary>
    public static void RepetitionPenalty(Span<float> logits, IReadOnlyList<int> previousIds, double penalty)
    {
        float p = (float)penalty;
        float[] gathered = ArrayPool<float>.Shared.Rent(previousIds.Count);
        try
        {
            for (int j = 0; j < previousIds.Count; j++)
            {
                int id = previousIds[j];
                if ((uint)id >= (uint)logits.Length)
                    throw new ArgumentOutOfRangeException(nameof(previousIds), id,
                        $"previousIds[{j}] = {id} is not a token id of a vocabulary of {logits.Length}");
                float v = logits[id];
                gathered[j] = v < 0 ? v * p : v / p;
            }
            for (int j = 0; j < previousIds.Count; j++)
                logits[previousIds[j]] = gathered[j];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(gathered);
        }
    }

    /// <summary>
    /// TopPLogitsWarper: keeps the smallest set of most likely tokens whose probability reaches top_p (at
    /// least one); tokens tied at the boundary are ranked lower id first. See <see cref="TopPFilter"/>.
    /// </summary>
    public static void TopP(Span<float> logits, double topP) => TopPFilter.Apply(logits, topP);

    /// <summary>TemperatureLogitsWarper: logits / temperature (below 1 sharpens, above 1 flattens).</summary>
    public static void Temperature(Span<float> logits, double temperature)
    {
        float t = (float)temperature;
        for (int i = 0; i < logits.Length; i++)
            logits[i] /= t;
    }

    /// <summary>
    /// TopKLogitsWarper: every logit below the k-th largest becomes -inf. Like transformers
    /// (<c>scores &lt; topk(scores, k).values[-1]</c>), logits tied with the k-th are all kept.
    /// </summary>
    public static void TopK(Span<float> logits, int k)
    {
        if (k >= logits.Length)
            return;
        float kth = KthLargest(logits, Math.Max(k, 1));
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] < kth)
                logits[i] = float.NegativeInfinity;
        }
    }

    /// <summary>The k-th largest value, counting repeats: a min-heap of the k largest seen, O(V log k).</summary>
    private static float KthLargest(ReadOnlySpan<float> values, int k)
    {
        float[] rented = ArrayPool<float>.Shared.Rent(k);
        try
        {
            Span<float> heap = rented.AsSpan(0, k);
            values[..k].CopyTo(heap);
            for (int i = k / 2 - 1; i >= 0; i--)
                SiftDown(heap, i);
            for (int i = k; i < values.Length; i++)
            {
                if (values[i] > heap[0])
                {
                    heap[0] = values[i];
                    SiftDown(heap, 0);
                }
            }
            return heap[0];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static void SiftDown(Span<float> heap, int i)
    {
        while (true)
        {
            int smallest = i, left = 2 * i + 1, right = left + 1;
            if (left < heap.Length && heap[left] < heap[smallest])
                smallest = left;
            if (right < heap.Length && heap[right] < heap[smallest])
                smallest = right;
            if (smallest == i)
                return;
            (heap[i], heap[smallest]) = (heap[smallest], heap[i]);
            i = smallest;
        }
    }
}
