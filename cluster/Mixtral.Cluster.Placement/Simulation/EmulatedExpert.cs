namespace Mixtral.Cluster.Placement.Simulation;

/// <summary>
/// The expert whose cost an emulated node device charges (`mixtral node --emulate-device`): one Mixtral-8x7B expert in
/// bf16, whatever the model the node really runs, so a small model on one machine is timed like the real one on the
/// modelled node. Its cost is the simulator's: the weights read once per call, plus 2 FLOPs per weight per row.
/// </summary>
public static class EmulatedExpert
{
    /// <summary>Bytes of one Mixtral-8x7B expert in bf16: W1, W3 [14336, 4096] and W2 [4096, 14336].</summary>
    public const long Bytes = 3L * 4096 * 14336 * 2;

    /// <summary>FLOPs one row costs in that expert: a multiply-add per weight.</summary>
    public const double FlopsPerRow = 2.0 * 3 * 4096 * 14336;

    /// <summary>Seconds a call of <paramref name="rows"/> rows keeps a node of kind <paramref name="node"/> busy.</summary>
    public static double CallSeconds(NodeModel node, int rows) => ReadSeconds(node) + rows * RowSeconds(node);

    /// <summary>Seconds one read of the expert's weights takes on <paramref name="node"/>: what every call pays.</summary>
    public static double ReadSeconds(NodeModel node) => Bytes / node.WeightBytesPerSecond;

    /// <summary>Seconds one row's FLOPs take on <paramref name="node"/>.</summary>
    public static double RowSeconds(NodeModel node) => FlopsPerRow / node.FlopsPerSecond;

    /// <summary>Rows that cost as much as one weight read on <paramref name="node"/> (for a <see cref="Planning.StepCost"/>).</summary>
    public static double RowsPerRead(NodeModel node) => Planning.StepCost.RowsPerRead(Bytes, FlopsPerRow, node.WeightBytesPerSecond, node.FlopsPerSecond);
}
