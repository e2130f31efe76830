using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Experts;

/// <summary>The rows of one step routed to one expert of a layer.</summary>
public sealed record ExpertBatch(int Expert, Tensor Rows); // Rows [n, D]

/// <summary>
/// The one seam between the model math and distribution: runs "expert E of layer L on these rows".
/// The single-process engine uses <see cref="LocalExpertBackend"/>; the cluster supplies one that calls
/// expert grains on other nodes. Everything else in the model is the same object in both.
/// </summary>
public interface IExpertBackend : IDisposable
{
    /// <summary>
    /// Runs every batch (each for a different expert of <paramref name="layer"/>) and returns their outputs in
    /// the same order, each [n, D] in the rows' dtype; the caller owns and disposes them. Implementations may
    /// run the batches concurrently: one call per layer is one fan-out.
    /// </summary>
    ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken);
}
