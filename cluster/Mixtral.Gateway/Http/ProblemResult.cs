using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mixtral.Gateway.Http;

/// <summary>An error answer: the problem's status, Retry-After when it has one, and a body in the API's own shape.</summary>
public sealed class ProblemResult(ApiProblem problem, object body) : IResult
{
    public ApiProblem Problem => problem;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = problem.Status;
        if (problem.RetryAfterSeconds is double seconds)
            response.Headers.RetryAfter = Math.Ceiling(seconds).ToString(CultureInfo.InvariantCulture);
        return response.WriteAsJsonAsync(body, body.GetType(), JsonBody.Options, "application/json", httpContext.RequestAborted);
    }

    /// <summary>The body alone, for an error that happens after a stream has started (sent as its last event).</summary>
    public string BodyJson => JsonSerializer.Serialize(body, body.GetType(), JsonBody.Options);
}
