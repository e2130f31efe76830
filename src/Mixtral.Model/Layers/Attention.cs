using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

// Legend: N tokens in the step, D hidden, H query heads, KVH key/value heads, G = H / KVH, hd head dim,
// L new tokens of one sequence, S its total length (cache + new).

/// <summary>
/// Grouped-query self-attention with RoPE, causal mask and optional sliding window, as Hugging Face's
/// eager MixtralAttention computes it (scores in the compute dtype, softmax in float32).
/// </summary>
public sealed class Attention(int layer, AttentionWeights weights, MixtralConfig config, RotaryEmbedding rope) : IDisposable
{
    private readonly double _scale = 1.0 / Math.Sqrt(config.HeadDim);

    /// <summary>Chunks of at most this many new tokens attend with <see cref="AttentionKernel"/> on CPU: decode tokens. A
    /// long prompt chunk's L × S scores are a real matrix product, which LibTorch's batched GEMM does better, so such a
    /// chunk attends through LibTorch while the decode tokens of the same step stay on the kernel.</summary>
    public const int KernelMaxQueries = 8;

    public Tensor Forward(Tensor x, TokenBatch batch, Tensor positions) // x [N, D], positions [N] → [N, D]
    {
        if (CpuKernels.Handles(x)) return ForwardOnCpu(x, batch);
        using var scope = NewDisposeScope();
        int n = batch.TokenCount;
        int hd = config.HeadDim;
        long maxPosition = batch.Chunks.Max(c => c.Cache.Length + c.TokenIds.Count - 1);
        Tensor qProjected, kProjected, v;
        using (StepProfiler.Enter(StepPhase.AttentionProjections))
        {
            qProjected = weights.Q.Forward(x).view(n, config.NumAttentionHeads, hd); // [N, H, hd]
            kProjected = weights.K.Forward(x).view(n, config.NumKeyValueHeads, hd); // [N, KVH, hd]
            v = weights.V.Forward(x).view(n, config.NumKeyValueHeads, hd); // [N, KVH, hd]
        }
        var q = rope.Apply(qProjected, positions, maxPosition); // [N, H, hd]
        var k = rope.Apply(kProjected, positions, maxPosition); // [N, KVH, hd]

        var outputs = new Tensor[batch.Chunks.Count];
        for (int c = 0; c < batch.Chunks.Count; c++)
        {
            var chunk = batch.Chunks[c];
            int start = batch.Offsets[c], length = chunk.TokenIds.Count;
            var (keys, values) = chunk.Cache.Append(layer, k[start..(start + length)], v[start..(start + length)]);
            outputs[c] = AttendOneSequence(q[start..(start + length)], keys, values, chunk.Cache.Length);
        }
        var attended = outputs.Length == 1 ? outputs[0] : cat(outputs, 0); // [N, H·hd]
        using (StepProfiler.Enter(StepPhase.AttentionProjections))
            return weights.O.Forward(attended).MoveToOuterDisposeScope();
    }

    /// <summary>Projections as usual; RoPE, the cache write and attention itself as kernels over the tensors' memory.</summary>
    private Tensor ForwardOnCpu(Tensor x, TokenBatch batch)
    {
        int n = batch.TokenCount;
        Tensor q, k, v;
        using (StepProfiler.Enter(StepPhase.AttentionProjections))
        {
            q = weights.Q.Forward(x); // [N, H·hd]
            k = weights.K.Forward(x); // [N, KVH·hd]
            v = weights.V.Forward(x); // [N, KVH·hd]
        }
        using (q)
        using (k)
        using (v)
        using (var attended = empty([n, config.QueryWidth], ScalarType.Float32)) // [N, H·hd]
        {
            AttendOnCpu(q, k, v, attended, batch);
            using (StepProfiler.Enter(StepPhase.AttentionProjections))
                return weights.O.Forward(attended);
        }
    }

    private unsafe void AttendOnCpu(Tensor q, Tensor k, Tensor v, Tensor attended, TokenBatch batch)
    {
        int h = config.NumAttentionHeads, kvh = config.NumKeyValueHeads, hd = config.HeadDim;
        if (!CpuKernels.Handles(q) || !CpuKernels.Handles(k) || !CpuKernels.Handles(v))
            throw new InvalidOperationException("attention projections returned a tensor the CPU kernels cannot read");
        var positions = batch.FlatPositions(); // [N] on the host
        rope.ApplyInPlace(q, positions);
        rope.ApplyInPlace(k, positions);
        float* kp = CpuKernels.Pointer(k), vp = CpuKernels.Pointer(v);
        var sequences = new List<AttentionSequence>(batch.Chunks.Count);
        var prompts = new List<(int Start, int Length, int Past, Tensor Keys, Tensor Values)>();
        for (int c = 0; c < batch.Chunks.Count; c++)
        {
            var chunk = batch.Chunks[c];
            int start = batch.Offsets[c], length = chunk.TokenIds.Count, past = chunk.Cache.Length;
            var (keys, values) = chunk.Cache.Reserve(layer, length); // [KVH, C, hd] each
            int capacity = (int)keys.size(1);
            float* kc = CpuKernels.Pointer(keys), vc = CpuKernels.Pointer(values);
            AttentionKernel.WriteCache(kp + (long)start * kvh * hd, kvh * hd, length, kc, capacity, past, kvh, hd);
            AttentionKernel.WriteCache(vp + (long)start * kvh * hd, kvh * hd, length, vc, capacity, past, kvh, hd);
            if (length <= KernelMaxQueries) sequences.Add(new AttentionSequence(start, length, past, kc, vc, capacity));
            else prompts.Add((start, length, past, keys, values));
        }
        if (sequences.Count > 0)
            CpuKernels.Pool.Run(new AttentionJob(CpuKernels.Pointer(q), CpuKernels.Pointer(attended), [.. sequences], h, kvh, hd,
                (float)_scale, config.SlidingWindow ?? int.MaxValue));
        foreach (var (start, length, past, keys, values) in prompts)
        {
            using var scope = NewDisposeScope();
            int end = start + length, total = past + length;
            var context = AttendOneSequence(q[start..end].view(length, h, hd), keys[.., ..total], values[.., ..total], past); // [L, H·hd]
            attended[start..end].copy_(context);
        }
    }

    private Tensor AttendOneSequence(Tensor q, Tensor keys, Tensor values, int pastLength) // q [L, H, hd]; keys/values [KVH, S, hd] → [L, H·hd]
    {
        long length = q.shape[0], total = keys.shape[1];
        int kvh = config.NumKeyValueHeads, g = config.KvGroups, hd = config.HeadDim;
        // Query head h reads key/value head h / G (HF's repeat_kv), so group the G heads of each KV head.
        var grouped = q.permute(1, 0, 2).reshape(kvh, g * length, hd); // [KVH, G·L, hd]
        var scores = matmul(grouped, keys.transpose(1, 2)).mul_(_scale); // [KVH, G·L, S]
        var mask = VisibilityMask(length, total, pastLength, q.device); // [L, S] or null
        if (mask is not null)
            scores = scores.view(kvh, g, length, total).masked_fill(mask.logical_not(), double.NegativeInfinity).view(kvh, g * length, total);
        var probabilities = softmax(scores, -1, ScalarType.Float32).to(q.dtype); // [KVH, G·L, S]
        var context = matmul(probabilities, values); // [KVH, G·L, hd]
        return context.view(kvh * g, length, hd).permute(1, 0, 2).reshape(length, kvh * g * hd); // [L, H·hd]
    }

    /// <summary>True where query i (at position pastLength + i) may see key j: causal, and within the sliding window.</summary>
    private Tensor? VisibilityMask(long length, long total, int pastLength, Device device)
    {
        bool windowCuts = config.SlidingWindow is int w && total > w;
        if (length == 1 && !windowCuts) return null; // one new token sees the whole cache
        var queryPositions = arange(pastLength, pastLength + length, device: device).unsqueeze(1); // [L, 1]
        var keyPositions = arange(total, device: device).unsqueeze(0); // [1, S]
        var visible = keyPositions.le(queryPositions); // [L, S]
        if (config.SlidingWindow is int window)
            visible = visible.logical_and(queryPositions - keyPositions < window);
        return visible;
    }

    public void Dispose() => weights.Dispose();
}
