using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Nodes;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// A node the plan needs is gone: its experts are stood in for by the surviving nodes (every node has the checkpoint
/// and no budget is set here), so the health check, which runs every expert of the plan, passes again. (With every
/// budget full no node can stand in and the check fails naming the expert and node: Mixtral.Gateway.Tests'
/// UnhealthyClusterTests, on real processes.)
/// </summary>
public sealed class HealthCheckTests(ClusterToDegrade fixture) : IClassFixture<ClusterToDegrade>
{
    [Fact]
    public async Task A_lost_expert_node_is_stood_in_for_by_the_survivors_and_the_cluster_is_healthy_again()
    {
        var client = MixtralClusterClient.Over(fixture.Cluster.Client);
        Assert.True((await client.HealthAsync()).Healthy);

        var lost = fixture.Cluster.Silos.Single(s => s.Name == "Secondary_2");
        await fixture.Cluster.StopSiloAsync(lost);

        ClusterHealth health = await client.HealthAsync().WaitAsync(TimeSpan.FromMinutes(1));
        for (var until = DateTime.UtcNow.AddSeconds(30); !health.Healthy && DateTime.UtcNow < until; await Task.Delay(250))
            health = await client.HealthAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(health.Healthy, health.Detail);

        var planned = ClusterToDegrade.Plan(fixture.Config).ExpertsOn("Secondary_2").Select(k => k.ToString()).ToHashSet();
        var heldBySurvivors = new HashSet<string>();
        foreach (string node in new[] { "Primary", "Secondary_1" })
            heldBySurvivors.UnionWith((await fixture.Cluster.GrainFactory.GetGrain<INodeGrain>(node).DescribeAsync()).Experts);
        Assert.Empty(planned.Except(heldBySurvivors)); // every expert of the lost node now runs on a survivor
    }
}
