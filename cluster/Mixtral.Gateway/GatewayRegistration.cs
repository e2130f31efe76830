using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Gateway.Dashboard;
using Mixtral.Gateway.Http;
using Mixtral.Gateway.OpenAi;
using Mixtral.Gateway.Ops;
using Mixtral.Gateway.Tgi;
using OpenTelemetry.Metrics;

namespace Mixtral.Gateway;

/// <summary>Registers the gateway's services and maps its three API surfaces; observability is registered here, once.</summary>
public static class GatewayRegistration
{
    /// <summary>The meters /metrics exports: the engine's, the fan-out's, the gateway's own, Polly's (the expert-call
    /// pipeline's retries, hedges and breaker transitions, by pipeline and node), and the .NET runtime's (GC heap sizes,
    /// allocation, thread pool: an operator tells a managed leak from native memory with them).</summary>
    public static readonly string[] MeterNames = ["Mixtral.Engine", "Mixtral.Cluster", GatewayMetrics.MeterName, "Polly", "System.Runtime"];

    /// <param name="client">How the gateway reaches the cluster (the same typed client every .NET app uses).</param>
    public static IServiceCollection AddMixtralGateway(this IServiceCollection services, GatewayOptions options, Func<IServiceProvider, MixtralClusterClient> client)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(options.ApiKeys);
        services.AddSingleton(client);
        services.AddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(json => Http.JsonBody.Apply(json.SerializerOptions));
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<HealthCache>();
        services.AddSingleton<GatewayMetrics>();
        if (options.CorsAllowedOrigins.Count > 0)
            services.AddCors(cors => cors.AddDefaultPolicy(policy =>
            {
                if (options.CorsAllowedOrigins.Contains("*")) policy.AllowAnyOrigin();
                else policy.WithOrigins([.. options.CorsAllowedOrigins]);
                policy.WithMethods("GET", "POST").WithHeaders("Authorization", "Content-Type")
                    .WithExposedHeaders("Retry-After") // a page backing off a 429 or 503 must be able to read it
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
            }));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MeterNames)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)); // a scrape sees now, not 300 ms ago
        return services;
    }

    public static WebApplication MapMixtralGateway(this WebApplication app)
    {
        app.Use(CountRequests);
        app.UseJsonErrorsForUnmatchedRequests();
        // Before the key check: a browser's preflight carries no Authorization header.
        if (app.Services.GetRequiredService<GatewayOptions>().CorsAllowedOrigins.Count > 0) app.UseCors();
        app.Use(Http.ApiKeyAuthentication.CheckAsync); // after the count, so refused requests show in /metrics too
        app.MapOpenAiApi();
        app.MapTgiApi();
        app.MapOps();
        app.MapDashboard(); // GET /dashboard, GET /v1/cluster/stats
        return app;
    }

    // Requests by route and status for the gateway's meter; a streamed answer counts when its stream ends.
    private static async Task CountRequests(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http);
        }
        finally
        {
            string route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            http.RequestServices.GetRequiredService<GatewayMetrics>().RequestAnswered(route, http.Response.StatusCode);
        }
    }
}
