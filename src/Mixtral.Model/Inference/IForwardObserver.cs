using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model;

/// <summary>
/// Sees intermediate results of a forward pass without changing it: tracing (router choices, final hidden
/// states) and routing statistics for placement. Tensors are only valid during the call: copy what you keep.
/// </summary>
public interface IForwardObserver
{
    void OnRouting(int layer, Tensor expertIds, Tensor weights) { } // [N, K] int64, [N, K]
    void OnFinalHidden(Tensor hidden) { } // [N, D] after the final norm
}
