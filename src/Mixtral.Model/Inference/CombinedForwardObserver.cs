using static TorchSharp.torch;

namespace Mixtral.Model;

/// <summary>Two observers of one forward pass, called in order (the engine's own counters, then a caller's, e.g. live routing statistics).</summary>
public sealed class CombinedForwardObserver(IForwardObserver first, IForwardObserver second) : IForwardObserver
{
    public static IForwardObserver Of(IForwardObserver first, IForwardObserver? second) =>
        second is null ? first : new CombinedForwardObserver(first, second);

    public void OnRouting(int layer, Tensor expertIds, Tensor weights)
    {
        first.OnRouting(layer, expertIds, weights);
        second.OnRouting(layer, expertIds, weights);
    }

    public void OnFinalHidden(Tensor hidden)
    {
        first.OnFinalHidden(hidden);
        second.OnFinalHidden(hidden);
    }
}
