using System.Globalization;
using System.Net;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Processes;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// Real `mixtral node` processes (coordinator with --http-port, two expert nodes, no replicas) and Redis on loopback:
/// /health is 200 while every expert owner answers, and 503 once an expert node without a replica is killed and no node
/// has room to stand in for it.
/// </summary>
public sealed class UnhealthyClusterTests
{
    [Fact]
    public async Task Health_turns_503_when_an_unreplicated_expert_node_is_killed()
    {
        var config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        // Every budget full, so no surviving node can stand in for the killed one's experts (with room, they would:
        // FailoverWithoutReplicaTests), and the cluster stays unhealthy.
        var sizing = new Mixtral.Cluster.Placement.Sizing.ModelSizing(config, Precision.Float32);
        long expertNode = sizing.BytesPerExpert * config.NumHiddenLayers * config.NumLocalExperts / 2;
        var plan = new RoundRobinStrategy().Place(config,
            [new("coord", NodeRole.Coordinator, sizing.SharedBytes), new("a", NodeRole.Experts, expertNode), new("b", NodeRole.Experts, expertNode)]);
        int httpPort = FreePort.Next();
        await using var cluster = await ClusterProcesses.StartAsync(plan, FixturePaths.TinyMixtral, node =>
            node.HostsSharedWeights
                ? ["--threads", "1", "--expert-call-timeout", "2", "--http-port", httpPort.ToString(CultureInfo.InvariantCulture)]
                : ["--threads", "1", "--expert-call-timeout", "2"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };

        using (var healthy = await http.GetAsync(new Uri("/health", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

        await cluster.Node("b").DisposeAsync(); // killed: half of every layer's experts have no owner now
        HttpStatusCode status = HttpStatusCode.OK;
        string body = "";
        for (var until = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < until && status == HttpStatusCode.OK; await Task.Delay(500))
        {
            using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
            (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("unhealthy", body, StringComparison.Ordinal);
    }
}
