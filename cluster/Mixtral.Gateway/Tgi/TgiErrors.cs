using Mixtral.Gateway.Http;

namespace Mixtral.Gateway.Tgi;

/// <summary>Problems in TGI's error shape, with TGI's error_type names; the message names the field.</summary>
public static class TgiErrors
{
    public static ProblemResult Of(ApiProblem p) => new(p, new TgiErrorBody(Message(p), Type(p.Kind)));

    // TGI's body has no field member: the message names it.
    private static string Message(ApiProblem p) =>
        p.Kind == ProblemKind.Overloaded ? "Model is overloaded"
        : p.Field is { } field && !p.Message.Contains(field, StringComparison.Ordinal) ? $"{p.Message} (field: {field})"
        : p.Message;

    private static string Type(ProblemKind kind) => kind switch
    {
        ProblemKind.Overloaded => "overloaded",
        ProblemKind.Unavailable => "unavailable",
        ProblemKind.Internal => "internal",
        ProblemKind.ModelNotFound => "model_not_found",
        ProblemKind.RouteNotFound => "not_found",
        ProblemKind.MethodNotAllowed => "method_not_allowed",
        ProblemKind.Unauthorized => "authentication",
        _ => "validation",
    };
}
