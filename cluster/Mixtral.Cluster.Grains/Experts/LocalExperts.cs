using System.Diagnostics;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The experts the coordinator's own node owns, computed in place by the coordinator instead of through a grain call to
/// itself. An in-process grain call costs scheduling hops, two wire copies and, on a CPU node, a second job racing the
/// first for the same cores: measured in one `mixtral serve` process, alternating the two ways every 4 s under 16 HTTP
/// streams (`mid` preset, 2-core EPYC), decode steps of 16 sequences took 141 ms through the grains and 131 ms in place,
/// one sequence 42 ms and 31 ms. The same <see cref="Mixtral.Model.Experts.ExpertWeights"/> compute either way, and the
/// rows are rounded through the wire dtype as a call would round them, so the tokens do not depend on where an expert
/// runs. Only copies that this node has loaded (its grain is active here) are taken; the first call of an expert, or
/// one whose copy is elsewhere, goes through its grain as before.
/// </summary>
public sealed class LocalExperts(NodeWeightStore store, string node, WireDType wireDType)
{
    /// <summary>The node whose experts run in place.</summary>
    public string Node => node;

    /// <summary>Expert <paramref name="key"/> over <paramref name="rows"/> [n, D] when its copy is loaded on this node
    /// (the output [n, D], owned by the caller); null when it is not, and the caller calls its grain.</summary>
    public Tensor? TryRun(ExpertKey key, Tensor rows)
    {
        long started = Stopwatch.GetTimestamp();
        var output = store.WithLoadedExpert(key, weights =>
        {
            if (wireDType == WireDType.Float32) return weights.Forward(rows);
            using var sent = ThroughWire(rows);
            using var computed = weights.Forward(sent);
            return ThroughWire(computed);
        });
        if (output is not null) store.RecordCompute(Stopwatch.GetElapsedTime(started));
        return output;
    }

    /// <summary>The rows as the other side of a call would see them: rounded to the wire dtype and back.</summary>
    private Tensor ThroughWire(Tensor t)
    {
        using var rounded = t.to(wireDType == WireDType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float16);
        return rounded.to(t.dtype);
    }
}
