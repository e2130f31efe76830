namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>The coordinator's admission queue is full; retry after <see cref="RetryAfterSeconds"/> (HTTP 429 at the gateway).</summary>
[GenerateSerializer, Alias("Mixtral.ClusterOverloadedException")]
public sealed class ClusterOverloadedException : Exception
{
    public ClusterOverloadedException(string message, double retryAfterSeconds) : base(message) => RetryAfterSeconds = retryAfterSeconds;
    public ClusterOverloadedException(string message) : this(message, 1) { }
    public ClusterOverloadedException(string message, Exception inner) : base(message, inner) { }
    public ClusterOverloadedException() { }

    [Id(0)] public double RetryAfterSeconds { get; private set; } = 1;
}
