using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.OpenAi;

/// <summary>Problems in OpenAI's error shape, with its type and code names.</summary>
public static class OpenAiErrors
{
    public static ProblemResult Of(ApiProblem p) => new(p, new OpenAiErrorBody(new OpenAiError(p.Message, Type(p.Kind), p.Field, Code(p.Kind))));

    private static string Type(ProblemKind kind) => kind switch
    {
        ProblemKind.Overloaded => "rate_limit_error",
        ProblemKind.Unavailable or ProblemKind.Internal => "server_error",
        _ => "invalid_request_error",
    };

    private static string? Code(ProblemKind kind) => kind switch
    {
        ProblemKind.ContextOverflow => "context_length_exceeded",
        ProblemKind.Unauthorized => "invalid_api_key",
        ProblemKind.ModelNotFound => "model_not_found",
        ProblemKind.BodyTooLarge => "request_too_large",
        ProblemKind.Overloaded => "overloaded",
        ProblemKind.Unavailable => "unavailable",
        _ => null,
    };
}
