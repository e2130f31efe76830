using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Reference;

/// <summary>Records router choices per layer and the final hidden states of one forward pass.</summary>
public sealed class RoutingCapture : IForwardObserver, IDisposable
{
    public List<Tensor> ExpertIds { get; } = []; // per layer [N, K] int64
    public List<Tensor> Weights { get; } = []; // per layer [N, K] f32
    public Tensor? FinalHidden { get; private set; } // [N, D]

    public void OnRouting(int layer, Tensor expertIds, Tensor weights)
    {
        ExpertIds.Add(expertIds.detach().clone());
        Weights.Add(weights.detach().to(ScalarType.Float32).clone());
    }

    public void OnFinalHidden(Tensor hidden) => FinalHidden = hidden.detach().to(ScalarType.Float32).clone();

    public void Dispose()
    {
        foreach (var t in ExpertIds) t.Dispose();
        foreach (var t in Weights) t.Dispose();
        FinalHidden?.Dispose();
    }
}
