namespace Mixtral.Cluster.Contracts.Coordinator;

/// <summary>
/// A request the coordinator refuses as it is (bad sampling values, a prompt over the context, token ids outside the
/// vocabulary): not retryable. <see cref="Field"/> names the request field when there is one (for a 400/422 body);
/// <see cref="ContextLength"/> is set when the prompt plus max_new_tokens exceeds the context (HTTP 422).
/// </summary>
[GenerateSerializer, Alias("Mixtral.InvalidGenerateRequestException")]
public sealed class InvalidGenerateRequestException : Exception
{
    public InvalidGenerateRequestException(string message, string? field, int? contextLength = null) : base(message)
    {
        Field = field;
        ContextLength = contextLength;
    }

    public InvalidGenerateRequestException(string message) : base(message) { }
    public InvalidGenerateRequestException(string message, Exception inner) : base(message, inner) { }
    public InvalidGenerateRequestException() { }

    [Id(0)] public string? Field { get; private set; }
    [Id(1)] public int? ContextLength { get; private set; }
}
