namespace Mixtral.Cluster.Grains.Experts;

/// <summary>A forward step ran past its deadline waiting on experts; the message names the layer and what it waited on.</summary>
public sealed class StepDeadlineExceededException : TimeoutException
{
    public StepDeadlineExceededException(string message, Exception inner) : base(message, inner) { }
    public StepDeadlineExceededException(string message) : base(message) { }
    public StepDeadlineExceededException() { }
}
