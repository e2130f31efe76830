using System.Buffers;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

// Legend: L new tokens of one sequence, H query heads, KVH key/value heads, G = H / KVH, hd head dim,
// C cache capacity (tokens), S visible keys.

/// <summary>
/// Attention of a few new tokens against one sequence's KV cache, for decode steps: per query head, scores over the
/// visible keys, softmax in float32, weighted sum of values. Query head h reads key/value head h / G (Hugging Face's
/// repeat_kv). A decode step has one query per sequence, so this is a few hundred small dot products: cheaper written
/// out than the dozen LibTorch ops (and their microseconds each) of the general path.
/// </summary>
public static unsafe class AttentionKernel
{
    /// <summary>Copies rows [L, KVH, hd] (<paramref name="rowStride"/> floats apart) into cache [KVH, C, hd] at <paramref name="start"/>.</summary>
    public static void WriteCache(float* rows, long rowStride, int count, float* cache, int capacity, int start, int kvHeads, int hd)
    {
        for (int t = 0; t < count; t++)
            for (int h = 0; h < kvHeads; h++)
                new ReadOnlySpan<float>(rows + t * rowStride + (long)h * hd, hd)
                    .CopyTo(new Span<float>(cache + ((long)h * capacity + start + t) * hd, hd));
    }

    /// <summary>
    /// output [L, H·hd] (rows <paramref name="outStride"/> apart) for queries q [L, H, hd] (rows <paramref name="qStride"/>
    /// apart) at positions past..past+L-1, against keys/values [KVH, C, hd] holding positions 0..past+L-1. Query i sees
    /// key j when j ≤ past + i and past + i − j &lt; window.
    /// </summary>
    public static void Attend(float* q, long qStride, float* keys, float* values, int capacity, float* output, long outStride,
        int length, int past, int heads, int kvHeads, int hd, float scale, int window)
    {
        int groups = heads / kvHeads;
        float[] rented = ArrayPool<float>.Shared.Rent(past + length);
        try
        {
            fixed (float* scores = rented)
            {
                for (int i = 0; i < length; i++)
                {
                    int last = past + i; // the query's own position: causal
                    int first = Math.Max(0, last - window + 1);
                    for (int h = 0; h < heads; h++)
                    {
                        long kv = (long)(h / groups) * capacity * hd;
                        float* qh = q + i * qStride + (long)h * hd;
                        Scores(qh, keys + kv, first, last, hd, scale, scores);
                        Softmax(scores, last - first + 1);
                        WeightedSum(scores, values + kv, first, last, hd, output + i * outStride + (long)h * hd);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static void Scores(float* q, float* keys, int first, int last, int hd, float scale, float* scores)
    {
        for (int j = first; j <= last; j++)
            scores[j - first] = DotKernel.Dot(q, keys + (long)j * hd, hd) * scale;
    }

    /// <summary>In place over s scores: e^(x − max) / Σ, in float32.</summary>
    private static void Softmax(float* scores, int s)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < s; j++) max = MathF.Max(max, scores[j]);
        float sum = 0;
        int k = 0;
        var m = Vector256.Create(max);
        for (; k + 8 <= s; k += 8)
        {
            var e = Vector256.Exp(Vector256.Load(scores + k) - m);
            Vector256.Store(e, scores + k);
            sum += Vector256.Sum(e);
        }
        for (; k < s; k++)
        {
            scores[k] = MathF.Exp(scores[k] - max);
            sum += scores[k];
        }
        float inverse = 1f / sum;
        for (int j = 0; j < s; j++) scores[j] *= inverse;
    }

    /// <summary>out [hd] = Σ_j p[j − first] · values[j].</summary>
    private static void WeightedSum(float* p, float* values, int first, int last, int hd, float* output)
    {
        int d = 0;
        for (; d + 8 <= hd; d += 8)
        {
            Vector256<float> acc = default;
            for (int j = first; j <= last; j++)
                acc += Vector256.Create(p[j - first]) * Vector256.Load(values + (long)j * hd + d);
            Vector256.Store(acc, output + d);
        }
        for (; d < hd; d++)
        {
            float acc = 0;
            for (int j = first; j <= last; j++) acc += p[j - first] * values[(long)j * hd + d];
            output[d] = acc;
        }
    }
}
