using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
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
    public static void UseJsonErrorsForUnmatchedRequests(this WebApplication app)
    {
        // The list a 404 names, read off the mapped endpoints once they are all mapped: it cannot drift from them.
        var routes = new Lazy<string>(() => Describe(app.Services.GetRequiredService<EndpointDataSource>()));
        app.UseStatusCodePages(context => Answer(context.HttpContext, routes.Value)); // only answers that have no body yet
    }

    /// <summary>"POST /generate, GET /health, …" for every route endpoint, in the order they were mapped.</summary>
    private static string Describe(EndpointDataSource endpoints) => string.Join(", ", endpoints.Endpoints.OfType<RouteEndpoint>()
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} /{e.RoutePattern.RawText?.TrimStart('/')}"))
        .Distinct());

    private static Task Answer(HttpContext http, string routes)
    {
        var request = http.Request;
        string asked = $"{request.Method} {request.Path}";
        ApiProblem? problem = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => new(ProblemKind.RouteNotFound, $"no route {asked}: this server answers {routes}"),
            StatusCodes.Status405MethodNotAllowed => new(ProblemKind.MethodNotAllowed, $"{asked}: {request.Method} is not allowed here, use {http.Response.Headers.Allow}"),
            _ => null,
        };
        if (problem is null) return Task.CompletedTask;
        var result = request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) ? OpenAiErrors.Of(problem) : TgiErrors.Of(problem);
        return result.ExecuteAsync(http);
    }
}
