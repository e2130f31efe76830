using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>One strategy, simulated beside measured. Errors are (simulated − measured) ÷ measured.
/// <see cref="SimulatedNetworkMsPerStep"/>: the emulated links' share of a step on the critical path (what placement can change).</summary>
public sealed record CalibrationRow(string Strategy, double MeasuredStepMs, double SimulatedStepMs, double MeasuredRowsPerSecond,
    double SimulatedRowsPerSecond, double MeasuredNodeImbalance, double SimulatedNodeImbalance, double SimulatedNetworkMsPerStep)
{
    public double StepError => (SimulatedStepMs - MeasuredStepMs) / MeasuredStepMs;
    public double ThroughputError => (SimulatedRowsPerSecond - MeasuredRowsPerSecond) / MeasuredRowsPerSecond;
}

/// <summary>
/// The simulator's inputs as measured on this machine, and what it then predicts for every plan:
/// <see cref="ComputePerCallMs"/> (node-side compute of one expert call: wire decode, SwiGLU, encode; from the nodes'
/// counters), <see cref="SharedMsPerStep"/> (the coordinator's step outside the fan-outs: attention, routers, LM head,
/// sampling), <see cref="Batch"/> (rows per step), and one fitted constant, <see cref="CallOverheadMs"/> (what a call
/// costs beyond its compute and the emulated wire: Orleans dispatch, serialisation, loopback, scheduling on shared
/// cores), chosen so the simulator reproduces the <see cref="FittedOn"/> run's mean step. The other plans are then
/// predictions.
/// </summary>
public sealed record Calibration(string FittedOn, int Batch, double ComputePerCallMs, double SharedMsPerStep, double CallOverheadMs,
    IReadOnlyList<CalibrationRow> Rows)
{
    /// <summary>False when the call overhead came out at zero: the simulator was already at or above the measured step
    /// without it, so nothing was fitted and <see cref="FittedOn"/>'s row is a prediction too.</summary>
    public bool Fitted => CallOverheadMs >= 0.001;

    public static Calibration Fit(IReadOnlyList<StrategyMeasurement> measured, IReadOnlyList<RoutedToken> trace, MixtralConfig config,
        Precision nodeDType, LinkModel? link, int wireBytesPerValue, NodeModel? emulatedNode = null)
    {
        var baseline = measured.FirstOrDefault(m => m.Strategy == "round-robin") ?? measured[0];
        int batch = (int)Math.Max(1, Math.Round((double)baseline.Rows / Math.Max(1, baseline.Steps)));
        double computePerCall = baseline.NodeLoads.Sum(n => n.ComputeMs) / Math.Max(1, baseline.NodeLoads.Sum(n => n.Calls)) / 1e3;
        double shared = baseline.StepMeanMs * (1 - Math.Clamp(baseline.FanOutShare, 0, 1)) / 1e3;
        var model = SimulatedModel.From(config, nodeDType, wireBytesPerValue);
        NodeModel node;
        if (emulatedNode is null)
        {
            // Compute per call as a weight read at an equivalent bandwidth (rows cost nothing extra at this tiny width);
            // the coordinator's own step outside fan-outs as a read of that many bytes.
            double bandwidth = model.Shape.BytesPerExpert / computePerCall;
            model = model with { SharedBytesReadPerStep = (long)(shared * bandwidth), FlopsPerExpertRow = 0 };
            node = new NodeModel(bandwidth, 1e18);
        }
        else
        {
            // The nodes emulated a device: their expert calls cost what the simulator charges that node kind for a
            // Mixtral-8x7B expert, so the simulator gets exactly that (the real compute of the small model runs inside it).
            model = model with
            {
                Shape = model.Shape with { BytesPerExpert = EmulatedExpert.Bytes },
                FlopsPerExpertRow = EmulatedExpert.FlopsPerRow,
                SharedBytesReadPerStep = (long)(shared * emulatedNode.WeightBytesPerSecond),
            };
            node = emulatedNode;
        }
        var noNetwork = new LinkModel("none", 0, 1e18);
        SimulatedCluster Cluster(double overhead) =>
            new(link ?? noNetwork, node, overhead, CoordinatorLinkShared: false);

        double lo = 0, hi = 0.05; // the call overhead, bisected: the simulated step grows with it
        for (int i = 0; i < 40; i++)
        {
            double mid = (lo + hi) / 2;
            double step = PlacementSimulator.Run(baseline.Plan, trace, model, Cluster(mid), batch).MeanStepSeconds;
            if (step * 1e3 < baseline.StepMeanMs) lo = mid; else hi = mid;
        }
        var cluster = Cluster((lo + hi) / 2);
        var rows = measured.Select(m =>
        {
            var s = PlacementSimulator.Run(m.Plan, trace, model, cluster, batch);
            return new CalibrationRow(m.Strategy, m.StepMeanMs, s.MeanStepSeconds * 1e3, m.RowsPerSecond, s.TokensPerSecond,
                m.NodeImbalance, s.NodeLoadImbalance, s.NetworkSecondsPerStep * 1e3);
        }).ToList();
        return new Calibration(baseline.Strategy, batch, computePerCall * 1e3, shared * 1e3, cluster.CallOverheadSeconds * 1e3, rows);
    }
}
