namespace Mixtral.Model.Generation;

/// <summary>A request whose prompt plus max_new_tokens does not fit the model's context; the numbers are in the message and properties.</summary>
public sealed class ContextLengthExceededException : ArgumentException
{
    public ContextLengthExceededException(int promptTokens, int maxNewTokens, int contextLength)
        : base($"prompt ({promptTokens} tokens) + max_new_tokens ({maxNewTokens}) = {(long)promptTokens + maxNewTokens} exceeds the model's context of {contextLength} tokens")
    {
        PromptTokens = promptTokens;
        MaxNewTokens = maxNewTokens;
        ContextLength = contextLength;
    }

    public ContextLengthExceededException(string message) : base(message) { }
    public ContextLengthExceededException(string message, Exception inner) : base(message, inner) { }
    public ContextLengthExceededException() { }

    public int PromptTokens { get; }
    public int MaxNewTokens { get; }
    public int ContextLength { get; }
}
