namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// What one expert copy costs its node per decode step, in units of one read of the expert's weights, for strategies
/// that balance time rather than rows. A copy that gets any row reads all its weights (decode is bound by that), and
/// each row adds 1/<see cref="RowsPerWeightRead"/> (the rows whose FLOPs cost as much as one weight read: ~150 on a
/// 1 TB/s, 150 TFLOP/s GPU for Mixtral's experts, ~6 on this project's CPUs). <see cref="RowsPerStep"/> is the rows a
/// layer routes per step (batch × experts per token). Without a StepCost strategies balance rows.
/// </summary>
public sealed record StepCost(double RowsPerStep, double RowsPerWeightRead)
{
    /// <summary>Expected cost of a copy that takes <paramref name="share"/> of its layer's rows.</summary>
    public double Of(double share)
    {
        double rows = share * RowsPerStep;
        // P(at least one row) with Poisson arrivals (the copy then reads all its weights), plus the rows' FLOPs.
        return 1 - Math.Exp(-rows) + rows / RowsPerWeightRead;
    }

    /// <summary>The row count at which FLOPs equal one weight read, from a node's bandwidth and FLOP rate.</summary>
    public static double RowsPerRead(long bytesPerExpert, double flopsPerRow, double bytesPerSecond, double flopsPerSecond) =>
        bytesPerExpert / bytesPerSecond / (flopsPerRow / flopsPerSecond);
}
