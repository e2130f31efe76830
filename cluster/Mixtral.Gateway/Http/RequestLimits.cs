using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway.Http;

/// <summary>
/// The operator's limits on one request, checked before it reaches the cluster (the body size is Kestrel's, 413):
/// prompt characters, so a megabyte of text is not tokenized on the coordinator only to be refused for the context,
/// and max_tokens below the model's context when the operator wants shorter answers. Refusals are 400s naming the field.
/// </summary>
public static class RequestLimits
{
    public static GenerateRequest Check(GenerateRequest request, GatewayOptions options, string promptField, string maxTokensField)
    {
        long characters = request.PromptText?.Length ?? request.Messages?.Sum(m => (long)m.Content.Length) ?? 0;
        if (characters > options.MaxPromptCharacters)
            throw ApiProblemException.Invalid(promptField, $"{promptField}: the prompt has {characters} characters, over this server's limit of {options.MaxPromptCharacters}");
        if (options.MaxTokensLimit is int limit && request.MaxNewTokens > limit)
            throw ApiProblemException.Invalid(maxTokensField, $"{maxTokensField} ({request.MaxNewTokens}) is over this server's limit of {limit}");
        return request;
    }
}
