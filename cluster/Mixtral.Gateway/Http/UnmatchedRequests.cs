using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mixtral.Gateway.OpenAi;
using Mixtral.Gateway.Tgi;

namespace Mixtral.Gateway.Http;

/// <summary>
/// Requests no route takes. Routing answers them 404 (unknown path) or 405 (a known path, another method) with an empty
/// body, which an SDK reports as a bare status; here they get a JSON error in the API shape of the path (OpenAI's under
/// /v1/, TGI's elsewhere) that names what was asked and what is served.
/// </summary>
internal static class UnmatchedRequests
{
    private const string Routes = "POST /v1/chat/completions, POST /v1/completions, GET /v1/models, POST /generate, POST /generate_stream, GET /info, GET /health, GET /metrics";

    public static void UseJsonErrorsForUnmatchedRequests(this WebApplication app) =>
        app.UseStatusCodePages(context => Answer(context.HttpContext)); // only answers that have no body yet

    private static Task Answer(HttpContext http)
    {
        var request = http.Request;
        string asked = $"{request.Method} {request.Path}";
        ApiProblem? problem = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => new(ProblemKind.RouteNotFound, $"no route {asked}: this server answers {Routes}"),
            StatusCodes.Status405MethodNotAllowed => new(ProblemKind.MethodNotAllowed, $"{asked}: {request.Method} is not allowed here, use {http.Response.Headers.Allow}"),
            _ => null,
        };
        if (problem is null) return Task.CompletedTask;
        var result = request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) ? OpenAiErrors.Of(problem) : TgiErrors.Of(problem);
        return result.ExecuteAsync(http);
    }
}
