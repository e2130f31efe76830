namespace Mixtral.Model.Generation;

/// <summary>A request could not be completed (a failed step: an expert node lost, a kernel error). Retryable.</summary>
public sealed class GenerationFailedException : Exception
{
    public GenerationFailedException(string message, Exception inner) : base(message, inner) { }
    public GenerationFailedException(string message) : base(message) { }
    public GenerationFailedException() { }
}
