using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mixtral.Gateway.Http;
using Mixtral.Gateway.Tgi;

namespace Mixtral.Gateway.Ops;

/// <summary>Operations: GET /health (200 only when a token can be generated now) and GET /metrics (Prometheus text).</summary>
public static class OpsApi
{
    public static IEndpointRouteBuilder MapOps(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", HealthAsync);
        routes.MapPrometheusScrapingEndpoint("/metrics");
        return routes;
    }

    // TGI's /health: an empty 200 when healthy; otherwise 503 in TGI's error shape, saying what failed.
    private static async Task<IResult> HealthAsync(HealthCache health)
    {
        var h = await health.GetAsync();
        return h.Healthy
            ? TypedResults.Ok()
            : TgiErrors.Of(new ApiProblem(ProblemKind.Unavailable, $"unhealthy: {h.Detail}", null, 5));
    }
}
