namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// A generation the cluster could not complete (an expert node lost with no live replica, a failed step).
/// The request can be retried; the message says what failed. Crosses the wire to clients, so it lives here.
/// </summary>
[GenerateSerializer, Alias("Mixtral.GenerationFailedOnClusterException")]
public sealed class GenerationFailedOnClusterException : Exception
{
    public GenerationFailedOnClusterException(string message) : base(message) { }
    public GenerationFailedOnClusterException(string message, Exception inner) : base(message, inner) { }
    public GenerationFailedOnClusterException() { }
}
