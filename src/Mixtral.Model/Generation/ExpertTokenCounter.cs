using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Generation;

/// <summary>
/// Counts the token rows the router sends to each expert of each layer into <see cref="EngineMetrics"/> (how hot each
/// expert is: what placement and replication decisions need), seen through the model's observer seam so the
/// model itself records nothing.
/// </summary>
internal sealed class ExpertTokenCounter(EngineMetrics metrics, int experts) : IForwardObserver
{
    private readonly long[] _counts = new long[experts];

    public void OnRouting(int layer, Tensor expertIds, Tensor weights) // [N, K] int64
    {
        Array.Clear(_counts);
        using (NewDisposeScope()) // copies made here die here; the caller's tensor is not ours
            foreach (long e in expertIds.cpu().contiguous().data<long>()) _counts[e]++;
        for (int e = 0; e < _counts.Length; e++)
            if (_counts[e] > 0) metrics.ExpertTokens(layer, e, _counts[e]);
    }
}
