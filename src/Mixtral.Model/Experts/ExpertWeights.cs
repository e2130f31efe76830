using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Experts;

/// <summary>
/// One SwiGLU expert: Expert(x) = W2(silu(W1 x) ⊙ W3 x). Used by the single-process engine and by the
/// cluster's expert grains alike, so both compute exactly the same thing.
/// </summary>
public sealed class ExpertWeights(Linear w1, Linear w2, Linear w3) : IDisposable
{
    public Linear W1 { get; } = w1; // [I, D]
    public Linear W2 { get; } = w2; // [D, I]
    public Linear W3 { get; } = w3; // [I, D]

    /// <summary>W1 and W3 in one pass with the activation fused, where the CPU kernels apply.</summary>
    private readonly FastSwiGlu? _swiGlu = FastSwiGlu.For(w1.Weight, w3.Weight);

    /// <summary>Bytes the three matrices occupy in memory.</summary>
    public long ResidentBytes => new[] { W1, W2, W3 }.Sum(l => l.Weight.NumberOfElements * l.Weight.ElementSize);

    public Tensor Forward(Tensor rows) // [n, D] → [n, D]
    {
        if (_swiGlu is not null && _swiGlu.TryForward(rows, out var activated)) // [n, I]
        {
            using (activated) return W2.Forward(activated);
        }
        using var scope = NewDisposeScope();
        var gate = nn.functional.silu(W1.Forward(rows)); // [n, I]
        var up = W3.Forward(rows); // [n, I]
        return W2.Forward(gate.mul_(up)).MoveToOuterDisposeScope();
    }

    /// <summary>Loads exactly the three tensors of expert <paramref name="expert"/> of <paramref name="layer"/>.</summary>
    public static ExpertWeights Load(WeightLoader loader, MixtralConfig config, int layer, int expert)
    {
        Linear Load(ExpertMatrix m) => new(loader.Load(TensorNames.Expert(layer, expert, m), TensorNames.ExpertShape(config, m)));
        return new ExpertWeights(Load(ExpertMatrix.W1), Load(ExpertMatrix.W2), Load(ExpertMatrix.W3));
    }

    public void Dispose()
    {
        W1.Dispose();
        W2.Dispose();
        W3.Dispose();
    }
}
