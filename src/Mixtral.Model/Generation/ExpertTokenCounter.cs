using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Generation;

/// <summary>
/// Counts the token rows the router sends to each expert of each layer into <see cref="EngineMetrics"/> (how hot each
/// expert is: what placement and replication decisions need), seen through the model's observer seam so the
/// model itself records nothing. Also counts the distinct experts each step's tokens chose, summed over its layers: the
/// expert weights the step had to read, which is what a step's memory-bandwidth floor depends on.
/// </summary>
internal sealed class ExpertTokenCounter(EngineMetrics metrics, int experts) : IForwardObserver
{
    private readonly long[] _counts = new long[experts];
    private int _stepExpertReads;

    /// <summary>Distinct (layer, expert) pairs routed to since the last call; starts the next step's count.</summary>
    public int TakeStepExpertReads()
    {
        int reads = _stepExpertReads;
        _stepExpertReads = 0;
        return reads;
    }

    public void OnRouting(int layer, Tensor expertIds, Tensor weights) // [N, K] int64
    {
        Array.Clear(_counts);
        using (NewDisposeScope()) // copies made here die here; the caller's tensor is not ours
            foreach (long e in expertIds.cpu().contiguous().data<long>()) _counts[e]++;
        for (int e = 0; e < _counts.Length; e++)
            if (_counts[e] > 0)
            {
                metrics.ExpertTokens(layer, e, _counts[e]);
                _stepExpertReads++;
            }
    }
}
