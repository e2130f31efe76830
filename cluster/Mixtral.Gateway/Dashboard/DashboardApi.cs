using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Mixtral.Client;

namespace Mixtral.Gateway.Dashboard;

/// <summary>
/// A live page for people: GET /dashboard (one HTML page, no outside scripts: it may be opened where nothing else is
/// reachable) polls GET /v1/cluster/stats (JSON: the routing statistics grain's tokens per (layer, expert) and per node,
/// and the coordinator's expert-call latency per node) every second and draws the heatmap and the node table.
/// </summary>
public static class DashboardApi
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/dashboard", () => TypedResults.Content(DashboardPage.Html, "text/html; charset=utf-8"));
        routes.MapGet("/v1/cluster/stats", StatsAsync);
        return routes;
    }

    private static async Task<Ok<ClusterStats>> StatsAsync(MixtralClusterClient client)
    {
        var routing = client.RoutingStatisticsAsync();
        var latency = client.NodeCallLatencyAsync();
        var serving = client.ServingPlanAsync();
        var snapshot = await routing;
        var calls = (await latency).ToDictionary(l => l.Node, StringComparer.Ordinal);
        var stats = JsonNode.Parse(snapshot.StatisticsJson)!;
        long[][] load = stats["load"]!.AsArray().Select(row => row!.AsArray().Select(x => x!.GetValue<long>()).ToArray()).ToArray();
        var loads = snapshot.Nodes.Zip(snapshot.NodeTokens).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        var nodes = loads.Keys.Union(calls.Keys).Order(StringComparer.Ordinal).Select(n =>
        {
            var c = calls.GetValueOrDefault(n);
            return new NodeStats(n, loads.GetValueOrDefault(n), c?.Calls ?? 0, c?.MeanMs ?? 0, c?.P50Ms ?? 0, c?.P99Ms ?? 0);
        }).ToArray();
        return TypedResults.Ok(new ClusterStats((await serving).Generation, snapshot.Steps, snapshot.Tokens,
            stats["layers"]!.GetValue<int>(), stats["experts"]!.GetValue<int>(), load, nodes));
    }
}

/// <summary>GET /v1/cluster/stats: <see cref="ExpertTokens"/>[layer][expert] tokens routed there since the statistics began;
/// per node, the expert-token load the serving plan puts on it and the coordinator's calls to it.</summary>
public sealed record ClusterStats(int PlanGeneration, long Steps, long Tokens, int Layers, int Experts, long[][] ExpertTokens, NodeStats[] Nodes);

public sealed record NodeStats(string Name, double ExpertTokens, long Calls, double LatencyMeanMs, double LatencyP50Ms, double LatencyP99Ms);
