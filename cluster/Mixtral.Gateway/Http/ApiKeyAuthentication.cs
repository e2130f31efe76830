using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mixtral.Gateway.OpenAi;
using Mixtral.Gateway.Tgi;

namespace Mixtral.Gateway.Http;

/// <summary>
/// With API keys configured, every request but GET /health (load balancers probe it without credentials; it says
/// only whether a token can be generated) and GET /dashboard (static HTML with no data in it: a browser cannot send a
/// Bearer header when it navigates, so the page asks for the key and sends it with its data polls) must carry "Authorization: Bearer KEY" with one of them; otherwise 401 with
/// WWW-Authenticate, in the error shape of the API it called (OpenAI's under /v1, TGI's elsewhere, /metrics included).
/// </summary>
public static class ApiKeyAuthentication
{
    private const string Scheme = "Bearer ";

    private static bool IsOpen(PathString path) =>
        path.Equals("/health", StringComparison.Ordinal) || path.Equals("/dashboard", StringComparison.Ordinal);

    public static async Task CheckAsync(HttpContext http, RequestDelegate next)
    {
        var keys = http.RequestServices.GetRequiredService<ApiKeys>();
        if (keys.Count == 0 || IsOpen(http.Request.Path))
        {
            await next(http);
            return;
        }
        string? header = http.Request.Headers.Authorization;
        string? problem = header is null ? "no API key: send \"Authorization: Bearer KEY\""
            : !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? "the Authorization header must be \"Bearer KEY\""
            : !keys.Accepts(header.AsSpan(Scheme.Length).Trim()) ? "the API key is not valid"
            : null;
        if (problem is null)
        {
            await next(http);
            return;
        }
        http.Response.Headers.WWWAuthenticate = "Bearer";
        var answer = new ApiProblem(ProblemKind.Unauthorized, problem);
        await (http.Request.Path.StartsWithSegments("/v1") ? OpenAiErrors.Of(answer) : TgiErrors.Of(answer)).ExecuteAsync(http);
    }
}
