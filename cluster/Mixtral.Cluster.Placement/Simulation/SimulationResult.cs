namespace Mixtral.Cluster.Placement.Simulation;

/// <summary>
/// What one replay gave. Times in seconds. Node load = rows (token-expert pairs) each expert host served.
/// <see cref="LayerImbalance"/>: per layer, rows per node summed over the replay, max/mean, averaged over layers
/// (a long window); <see cref="StepLayerImbalance"/>: the same per layer of every step (what one fan-out waits for;
/// noisy at small batches). Hops count messages a token's hidden state takes over the network (a call and its answer
/// are 2). <see cref="NodeChangesPerToken"/>: layers at which none of a token's nodes is one of the previous layer's
/// (what a design that forwards tokens node to node would pay as hops). <see cref="ReadImbalance"/>: per layer of
/// every step, expert weight reads per node (distinct experts it ran), max/mean: in memory-bound decode this, not
/// rows, is the load that sets a node's time.
/// </summary>
public sealed record SimulationResult(
    string Strategy,
    int Batch,
    int Steps,
    double TokensPerSecond,
    double MeanStepSeconds,
    double P50StepSeconds,
    double P99StepSeconds,
    double SharedSecondsPerStep,
    double NetworkSecondsPerStep,
    double ComputeSecondsPerStep,
    double StragglerSecondsPerStep,
    double NodeLoadImbalance,
    double LayerImbalance,
    double StepLayerImbalance,
    double WireBytesPerToken,
    double HopsPerToken,
    double NodesPerTokenLayer,
    double NodeChangesPerToken,
    int ExtraCopies,
    double ReadImbalance);
