using Microsoft.AspNetCore.Http;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway.Http;

/// <summary>What went wrong with a request, independent of the API shape it is reported in.</summary>
public enum ProblemKind
{
    InvalidRequest,
    /// <summary>No API key, or not one of the server's (401).</summary>
    Unauthorized,
    ContextOverflow,
    ModelNotFound,
    /// <summary>No route has this path (404), or it does with other methods (405).</summary>
    RouteNotFound,
    MethodNotAllowed,
    BodyTooLarge,
    Overloaded,
    Unavailable,
    /// <summary>Not the request's fault nor the cluster's state: a bug; the body says only that, the log has the rest.</summary>
    Internal,
}

/// <summary>
/// One failed request: the HTTP status, a message for a person, the request field at fault (when there is one) and,
/// for 429/503, how long to wait. Each API surface writes it in its own JSON error shape.
/// </summary>
public sealed record ApiProblem(ProblemKind Kind, string Message, string? Field = null, double? RetryAfterSeconds = null)
{
    public int Status => Kind switch
    {
        ProblemKind.InvalidRequest => StatusCodes.Status400BadRequest,
        ProblemKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ProblemKind.ContextOverflow => StatusCodes.Status422UnprocessableEntity,
        ProblemKind.ModelNotFound or ProblemKind.RouteNotFound => StatusCodes.Status404NotFound,
        ProblemKind.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ProblemKind.BodyTooLarge => StatusCodes.Status413PayloadTooLarge,
        ProblemKind.Overloaded => StatusCodes.Status429TooManyRequests,
        ProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ApiProblem Invalid(string field, string message) => new(ProblemKind.InvalidRequest, message, field);

    public static ApiProblem Internal { get; } = new(ProblemKind.Internal, "the server could not answer this request; its log says why");

    /// <summary>
    /// The cluster's answer to a request as a problem, or null for an exception that is not the request's or the
    /// cluster's state (a bug: answered as <see cref="Internal"/>, details only in the log).
    /// </summary>
    public static ApiProblem? From(Exception e) => e switch
    {
        ApiProblemException p => p.Problem,
        ClusterOverloadedException o => new(ProblemKind.Overloaded, "Model is overloaded", null, Math.Max(1, Math.Ceiling(o.RetryAfterSeconds))),
        InvalidGenerateRequestException { ContextLength: not null } i => new(ProblemKind.ContextOverflow, i.Message, i.Field ?? "max_tokens"),
        InvalidGenerateRequestException i => new(ProblemKind.InvalidRequest, i.Message, i.Field),
        // Until every refusal crosses the wire as InvalidGenerateRequestException: the engine's own argument checks.
        ArgumentException a => new(ProblemKind.InvalidRequest, a.Message, a.ParamName),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => new(ProblemKind.BodyTooLarge, "the request body is larger than this server accepts", "body"),
        BadHttpRequestException b => new(ProblemKind.InvalidRequest, $"the request body could not be read: {b.Message}", "body"),
        GenerationFailedOnClusterException g => new(ProblemKind.Unavailable, g.Message, null, 1),
        ClusterUnavailableException u => new(ProblemKind.Unavailable, u.Message, null, 5),
        Orleans.Runtime.OrleansException or TimeoutException => new(ProblemKind.Unavailable, $"the cluster's coordinator did not answer: {e.Message}", null, 5),
        _ => null,
    };
}

/// <summary>A request refused by the gateway itself (validation), carried to the error writer.</summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException(ApiProblem problem) : base(problem.Message) => Problem = problem;
    public ApiProblemException() : this(new ApiProblem(ProblemKind.InvalidRequest, "invalid request")) { }
    public ApiProblemException(string message) : this(new ApiProblem(ProblemKind.InvalidRequest, message)) { }
    public ApiProblemException(string message, Exception inner) : base(message, inner) => Problem = new ApiProblem(ProblemKind.InvalidRequest, message);

    public ApiProblem Problem { get; }

    public static ApiProblemException Invalid(string field, string message) => new(ApiProblem.Invalid(field, message));
}
