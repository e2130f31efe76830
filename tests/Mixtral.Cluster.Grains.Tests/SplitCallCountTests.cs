using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Nodes;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// The coordinator's expert-call meter counts the calls it makes: a replicated expert whose rows are split over its
/// copies is one call per copy. The oracle is the nodes' own count of the expert calls they served (this fixture's
/// cluster only: other classes run their own clusters in parallel).
/// </summary>
public sealed class SplitCallCountTests(WeightedReplicasCluster fixture) : IClassFixture<WeightedReplicasCluster>
{
    [Fact]
    public async Task Expert_calls_counted_by_the_coordinator_equal_the_calls_the_copies_received()
    {
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        int[] ids = [1, .. Enumerable.Range(0, 47).Select(i => 3 + (i * 7919) % 30000)]; // 48 tokens: most experts get rows to split
        await coordinator.TraceAsync(ids); // activates every copy first
        await coordinator.ResetMetricsAsync();
        long before = await ServedAsync();
        await coordinator.TraceAsync(ids);
        long received = await ServedAsync() - before;
        var status = await coordinator.DescribeAsync();
        // Every expert of the tiny model is split 0.7 / 0.3 over two copies, so the per-expert count would be far lower.
        Assert.True(received > status.FanOuts * 8, $"only {received} calls for {status.FanOuts} fan-outs: the rows were not split");
        Assert.Equal(received, status.ExpertCalls);
    }

    private async Task<long> ServedAsync()
    {
        var nodes = await Task.WhenAll(InProcessClusterFixture.NodeNames.Select(n => fixture.Cluster.GrainFactory.GetGrain<INodeGrain>(n).DescribeAsync()));
        return nodes.Sum(n => n.ExpertCalls);
    }
}
