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

    public void Dispose() => gate.Dispose();
}
