using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

// Legend: N tokens, D hidden, E experts, K experts per token.

/// <summary>The experts chosen for every token of a step, with their renormalised weights.</summary>
public sealed record Routing(Tensor ExpertIds, Tensor Weights) : IDisposable // [N, K] int64, [N, K] compute dtype
{
    public void Dispose()
    {
        ExpertIds.Dispose();
        Weights.Dispose();
    }
}

/// <summary>
/// The MoE gate: logits = gate(x); p = softmax(logits) in float32; top-k by p; weights = p_top / Σ p_top,
/// cast back to the compute dtype (Hugging Face's MixtralSparseMoeBlock order).
/// </summary>
public sealed class Router(Linear gate, int expertsPerToken) : IDisposable
{
    public Routing Route(Tensor x) // [N, D]
    {
        using var scope = NewDisposeScope();
        var probabilities = softmax(gate.Forward(x), 1, ScalarType.Float32); // [N, E]
        var (top, ids) = probabilities.topk(expertsPerToken, dim: -1); // [N, K] each, larger first
        var weights = (top / top.sum(-1, keepdim: true)).to(x.dtype); // [N, K]
        return new Routing(ids.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The same routing computed on the host from the gate's logits (x must be a dense float32 CPU tensor): softmax in
    /// float32, top-k by probability (the lower expert id first on a tie, as torch.topk), weights renormalised to sum to 1.
    /// </summary>
    public unsafe HostRouting RouteOnHost(Tensor x) // [N, D]
    {
        int n = (int)x.size(0);
        if (gate.Kernel is { } kernel && n <= FastLinear.MaxRows)
        {
            // A decode step's logits are a few dozen floats: computed straight into host memory, no tensor.
            float* logits = stackalloc float[n * kernel.OutFeatures]; // [N, E]
            kernel.Run(CpuKernels.Pointer(x), logits, n);
            return TopK(logits, n, kernel.OutFeatures);
        }
        using var computed = gate.Forward(x); // [N, E]
        return TopK(CpuKernels.Pointer(computed), n, (int)computed.size(1));
    }

    private unsafe HostRouting TopK(float* row, int n, int e) // row: logits [N, E]
    {
        int k = expertsPerToken;
        var ids = new int[n * k];
        var weights = new float[n * k];
        Span<float> p = stackalloc float[e];
        Span<bool> taken = stackalloc bool[e];
        for (int t = 0; t < n; t++, row += e)
        {
            Softmax(new ReadOnlySpan<float>(row, e), p);
            taken.Clear();
            float sum = 0;
            for (int j = 0; j < k; j++)
            {
                int best = -1;
                for (int c = 0; c < e; c++)
                    if (!taken[c] && (best < 0 || p[c] > p[best])) best = c;
                taken[best] = true;
                ids[t * k + j] = best;
                weights[t * k + j] = p[best];
                sum += p[best];
            }
            for (int j = 0; j < k; j++) weights[t * k + j] /= sum;
        }
        return new HostRouting(n, k, ids, weights);
    }

    private static void Softmax(ReadOnlySpan<float> logits, Span<float> p)
    {
        float max = float.NegativeInfinity;
        foreach (float l in logits) max = MathF.Max(max, l);
        float sum = 0;
        for (int c = 0; c < logits.Length; c++) sum += p[c] = MathF.Exp(logits[c] - max);
        for (int c = 0; c < logits.Length; c++) p[c] /= sum;
    }

    public void Dispose() => gate.Dispose();
}
