using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Model.Generation;
using Mixtral.Tokenization.ChatTemplates;

namespace Mixtral.Cluster.Grains.Coordinator;

/// <summary>
/// Engine and request errors as the contract's exception types, so a client (and the HTTP gateway) can tell "retry
/// later" (429) from "this request is wrong" (400/422) from "the cluster failed this step" (retryable 503) without
/// knowing the engine's types. Anything else passes through unchanged.
/// </summary>
public static class WireErrors
{
    public static Exception Translate(Exception error) => error switch
    {
        EngineOverloadedException o => new ClusterOverloadedException(o.Message, o.RetryAfter.TotalSeconds),
        ContextLengthExceededException c => new InvalidGenerateRequestException(c.Message, "max_tokens", c.ContextLength),
        ArgumentException a => new InvalidGenerateRequestException(MessageOf(a), a.ParamName),
        ChatTemplateException t => new InvalidGenerateRequestException(t.Message, "messages"),
        GenerationFailedException f => new GenerationFailedOnClusterException($"{f.Message}; the request can be retried"),
        _ => error,
    };

    /// <summary>True for the errors <see cref="Translate"/> turns into a contract type.</summary>
    public static bool IsTranslated(Exception error) =>
        error is EngineOverloadedException or ArgumentException or ChatTemplateException or GenerationFailedException;

    /// <summary>The message without .NET's " (Parameter 'x')" and "Actual value was" suffixes: the field travels on its own.</summary>
    private static string MessageOf(ArgumentException e)
    {
        string message = e.Message;
        int cut = e.ParamName is null ? -1 : message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }
}
