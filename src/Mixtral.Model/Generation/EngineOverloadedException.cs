namespace Mixtral.Model.Generation;

/// <summary>
/// The engine's admission queue is full: the request was not queued (nothing grows without bound). The caller may
/// retry after <see cref="RetryAfter"/>, a hint from the current queue length and step time.
/// </summary>
public sealed class EngineOverloadedException : Exception
{
    public EngineOverloadedException(string message, TimeSpan retryAfter) : base(message) => RetryAfter = retryAfter;
    public EngineOverloadedException(string message) : this(message, TimeSpan.FromSeconds(1)) { }
    public EngineOverloadedException(string message, Exception inner) : base(message, inner) { }
    public EngineOverloadedException() { }

    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(1);
}
