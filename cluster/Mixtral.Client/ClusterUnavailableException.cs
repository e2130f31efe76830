namespace Mixtral.Client;

/// <summary>The cluster could not be reached (no gateway at the address, or it did not answer in time).</summary>
public sealed class ClusterUnavailableException : Exception
{
    public ClusterUnavailableException(string message, Exception inner) : base(message, inner) { }
    public ClusterUnavailableException(string message) : base(message) { }
    public ClusterUnavailableException() { }
}
