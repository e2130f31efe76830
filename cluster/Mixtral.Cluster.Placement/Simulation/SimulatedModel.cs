using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Simulation;

/// <summary>
/// The model as the simulator sees it: the expert grid and bytes (<see cref="Shape"/>), the hidden width that crosses
/// the wire per row, the bytes per value on the wire, the bytes the coordinator reads per decode step (attention,
/// routers, norms, LM head; not the embedding table, which is a lookup), and the FLOPs one row costs in one expert.
/// </summary>
public sealed record SimulatedModel(ModelShape Shape, int Hidden, int WireBytesPerValue, long SharedBytesReadPerStep, double FlopsPerExpertRow)
{
    public static SimulatedModel From(MixtralConfig config, Precision dtype, int wireBytesPerValue = 2)
    {
        var sizing = new ModelSizing(config, dtype);
        long embedding = sizing.TensorBytes(new TensorSpec(TensorNames.Embeddings, [config.VocabSize, config.HiddenSize]));
        double flops = 2.0 * 3 * config.HiddenSize * config.IntermediateSize; // W1, W3, W2: a multiply-add per weight
        return new SimulatedModel(ModelShape.From(config, dtype), config.HiddenSize, wireBytesPerValue, sizing.SharedBytes - embedding, flops);
    }

    /// <summary>One row's hidden state one way over the wire.</summary>
    public long RowBytes => (long)Hidden * WireBytesPerValue;
}
