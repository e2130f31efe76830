using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>The health check fails when a node the plan needs is gone, and names an expert and the node.</summary>
public sealed class HealthCheckTests(ClusterToDegrade fixture) : IClassFixture<ClusterToDegrade>
{
    [Fact]
    public async Task A_lost_expert_node_makes_the_cluster_unhealthy_naming_the_node()
    {
        var client = MixtralClusterClient.Over(fixture.Cluster.Client);
        Assert.True((await client.HealthAsync()).Healthy);

        var lost = fixture.Cluster.Silos.Single(s => s.Name == "Secondary_2");
        await fixture.Cluster.StopSiloAsync(lost);

        ClusterHealth health = await client.HealthAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(health.Healthy);
        Assert.Contains("on node \"Secondary_2\"", health.Detail);
        Assert.Matches(@"expert L\d+\.E\d+", health.Detail);
        Assert.True(health.ElapsedMs < 15_000, $"the check took {health.ElapsedMs} ms");
    }
}
