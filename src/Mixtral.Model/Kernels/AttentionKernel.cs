using System.Runtime.CompilerServices;
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
    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteCache(float* rows, long rowStride, int count, float* cache, int capacity, int start, int kvHeads, int hd)
    {
        for (int t = 0; t < count; t++)
            for (int h = 0; h < kvHeads; h++)
                new ReadOnlySpan<float>(rows + t * rowStride + (long)h * hd, hd)
                    .CopyTo(new Span<float>(cache + ((long)h * capacity + start + t) * hd, hd));
    }

    /// <summary>
    /// output [hd] for one query head q [hd] at position <paramref name="position"/>, against keys/values [C, hd] of its
    /// key/value head holding positions 0..position. The query sees key j when j ≤ position and position − j &lt; window.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AttendOne(float* q, float* keys, float* values, float* output, int position, int hd, float scale, int window)
    {
        int first = Math.Max(0, position - window + 1), count = position - first + 1;
        float[] rented = ArrayPool<float>.Shared.Rent(count);
        try
        {
            fixed (float* scores = rented)
            {
                Scores(q, keys + (long)first * hd, count, hd, scale, scores);
                Softmax(scores, count);
                WeightedSum(scores, values + (long)first * hd, count, hd, output);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>scores[j] = (q · keys[j]) · scale, four keys per pass so the horizontal sums are shared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float* q, float* keys, int count, int hd, float scale, float* scores)
    {
        int j = 0;
        for (; j + 4 <= count; j += 4)
        {
            float* k0 = keys + (long)j * hd;
            Vector128.Store(DotKernel.Block4x1(q, k0, k0 + hd, k0 + 2 * hd, k0 + 3 * hd, hd) * scale, scores + j);
        }
        for (; j < count; j++)
            scores[j] = DotKernel.Dot(q, keys + (long)j * hd, hd) * scale;
    }

    /// <summary>In place over s scores: e^(x − max) / Σ, in float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>out [hd] = Σ_j p[j] · values[j], walking the values row by row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum(float* p, float* values, int count, int hd, float* output)
    {
        new Span<float>(output, hd).Clear();
        for (int j = 0; j < count; j++)
        {
            float* v = values + (long)j * hd;
            var pj = Vector256.Create(p[j]);
            int d = 0;
            for (; d + 8 <= hd; d += 8)
                Vector256.Store(Vector256.FusedMultiplyAdd(pj, Vector256.Load(v + d), Vector256.Load(output + d)), output + d);
            for (; d < hd; d++) output[d] += p[j] * v[d];
        }
    }
}
