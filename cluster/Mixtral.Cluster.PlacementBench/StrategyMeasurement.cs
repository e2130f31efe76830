using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>One node's share of a measured run: expert calls it served and their compute (node-side counters), and the
/// rows (token-expert pairs) the run's real routing put on it under the plan (copies by their shares).</summary>
public sealed record NodeLoad(string Node, long Calls, double ComputeMs, double Rows);

/// <summary>
/// One strategy's measured run on the real cluster. Throughput counts generated tokens over the wall time of the
/// workload; rows are every token the coordinator ran through the model (prompt and generated). Latency is per
/// request, from its arrival to its last token. Wire bytes and calls are the coordinator's (hidden states out and
/// back, one call per expert copy contacted); hops per token = row messages per routed token (a call and its answer
/// are 2 for each row they carry).
/// </summary>
public sealed record StrategyMeasurement(
    string Strategy,
    PlacementPlan Plan,
    int Requests,
    long GeneratedTokens,
    double WallSeconds,
    double P50LatencyMs,
    double P99LatencyMs,
    double P50FirstTokenMs,
    long Steps,
    long Rows,
    double StepMeanMs,
    double FanOutShare,
    double FanOutP50Ms,
    long ExpertCalls,
    long FanOuts,
    long WireBytes,
    IReadOnlyList<NodeLoad> NodeLoads,
    double LayerImbalance)
{
    public double TokensPerSecond => GeneratedTokens / WallSeconds;
    public double RowsPerSecond => Rows / WallSeconds;
    public int ExtraCopies => Plan.Experts.Sum(a => a.Nodes.Count) - Plan.Experts.Count;
    public double NodeImbalance => Imbalance(NodeLoads.Select(n => n.Rows));
    public double CallImbalance => Imbalance(NodeLoads.Select(n => (double)n.Calls));
    public double ComputeImbalance => Imbalance(NodeLoads.Select(n => n.ComputeMs));
    public double WireBytesPerToken => Rows == 0 ? 0 : (double)WireBytes / Rows;
    public double CallsPerFanOut => FanOuts == 0 ? 0 : (double)ExpertCalls / FanOuts;

    /// <summary>Row messages per routed token: wire bytes over the bytes of one row.</summary>
    public double HopsPerToken(int rowBytes) => Rows == 0 ? 0 : (double)WireBytes / rowBytes / Rows;

    internal static double Imbalance(IEnumerable<double> loads)
    {
        var l = loads.ToArray();
        double mean = l.Length == 0 ? 0 : l.Average();
        return mean == 0 ? 1 : l.Max() / mean;
    }
}
