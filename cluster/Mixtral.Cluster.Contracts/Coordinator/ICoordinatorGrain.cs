namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// The coordinator: embeddings, attention + KV caches, routers, norms, LM head and the sampler, with the
/// continuous-batching engine. There is one per cluster (key 0), placed on the node whose role is
/// coordinator (or all). Requests interleave: every one in flight shares the same decode steps.
/// </summary>
[Alias("Mixtral.ICoordinatorGrain")]
public interface ICoordinatorGrain : IGrainWithIntegerKey
{
    /// <summary>Streams the tokens of one generation; the last event carries the summary.</summary>
    [Alias("Generate")]
    IAsyncEnumerable<TokenEvent> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken = default);

    /// <summary>One forward pass over <paramref name="tokenIds"/>, with everything it decided.</summary>
    [Alias("Trace")]
    Task<TraceResult> TraceAsync(int[] tokenIds, CancellationToken cancellationToken = default);

    /// <summary>What the coordinator serves (model, wire dtype, engine counters).</summary>
    [Alias("Describe")]
    Task<CoordinatorStatus> DescribeAsync();

    /// <summary>
    /// Times <paramref name="samples"/> fan-outs of the given shape (experts of layer 0, rows each) to experts that
    /// answer without computing: the distributed overhead alone (serialisation, transport, scheduling).
    /// </summary>
    [Alias("ProbeFanOut")]
    Task<FanOutProbe> ProbeFanOutAsync(int experts, int rowsPerExpert, int samples);

    /// <summary>Starts a fresh measurement window for the fan-out latency, call and byte counters (benchmarks).</summary>
    [Alias("ResetMetrics")]
    Task ResetMetricsAsync();

    /// <summary>
    /// One real one-token forward step through the coordinator and every expert of the plan (each owner computes one
    /// row), under a short deadline: healthy only if every part of the cluster that a request needs answers.
    /// </summary>
    [Alias("CheckHealth")]
    Task<ClusterHealth> CheckHealthAsync();

    /// <summary>The served model and the engine's limits.</summary>
    [Alias("DescribeModel")]
    Task<ModelInfo> DescribeModelAsync();
}
