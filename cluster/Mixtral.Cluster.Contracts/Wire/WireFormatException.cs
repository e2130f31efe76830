namespace Mixtral.Cluster.Contracts.Wire;

/// <summary>
/// A wire record whose header and payload disagree (or that a caller built from inconsistent pieces).
/// Never worth a retry: the same bytes fail the same way.
/// </summary>
[GenerateSerializer]
[Alias("Mixtral.WireFormatException")]
public sealed class WireFormatException : Exception
{
    public WireFormatException() { }
    public WireFormatException(string message) : base(message) { }
    public WireFormatException(string message, Exception inner) : base(message, inner) { }
}
