using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tracing;

// Legend: N tokens, K experts per token.

/// <summary>The routing of one layer of one forward pass, in host memory: ids and weights row-major [N·K], ids in descending weight.</summary>
public sealed record LayerRouting(int Layer, int Tokens, int PerToken, long[] ExpertIds, float[] Weights);

/// <summary>
/// Records the router's choices of every layer of a forward pass (what <c>mixtral trace-routing</c> writes), copying
/// them to the host as they are reported. Only observes: the forward pass computes exactly what it would without it.
/// </summary>
public sealed class RoutingRecorder : IForwardObserver
{
    private readonly List<LayerRouting> _layers = [];

    public IReadOnlyList<LayerRouting> Layers => _layers;

    public void Clear() => _layers.Clear();

    void IForwardObserver.OnRouting(int layer, Tensor expertIds, Tensor weights) // [N, K] int64, [N, K]
    {
        using var ids = expertIds.cpu().contiguous();
        using var w = weights.to(ScalarType.Float32).cpu().contiguous();
        _layers.Add(new LayerRouting(layer, (int)ids.size(0), (int)ids.size(1), ids.data<long>().ToArray(), w.data<float>().ToArray()));
    }
}
