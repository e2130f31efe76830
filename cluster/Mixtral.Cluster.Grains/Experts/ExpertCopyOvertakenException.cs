namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// An attempt to one copy that was still unanswered past the hedge delay when another copy answered: the breaker of
/// its node counts it as a failure (a hung node never fails a call, it only loses every race), the caller never sees it.
/// </summary>
public sealed class ExpertCopyOvertakenException : Exception
{
    public ExpertCopyOvertakenException(string node, TimeSpan waited)
        : base($"node {node} had not answered after {waited.TotalMilliseconds:F0} ms when another copy did") { }
    public ExpertCopyOvertakenException(string message) : base(message) { }
    public ExpertCopyOvertakenException(string message, Exception inner) : base(message, inner) { }
    public ExpertCopyOvertakenException() { }
}
