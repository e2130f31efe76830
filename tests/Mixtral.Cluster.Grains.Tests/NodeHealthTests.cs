using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Experts;

namespace Mixtral.Cluster.Grains.Tests;

public sealed class NodeHealthTests
{
    /// <summary>Opens <paramref name="node"/>'s breaker the way the pipeline does: by failing calls through it.</summary>
    internal static async Task FailAsync(NodeHealth health, string node, int calls = 4)
    {
        for (int i = 0; i < calls; i++)
            await Assert.ThrowsAnyAsync<Exception>(async () => await health.For(node).ExecuteAsync(
                _ => ValueTask.FromException<HiddenStateBatch>(new InvalidOperationException($"node {node} is gone"))));
    }

    [Fact]
    public async Task Replicas_on_nodes_with_an_open_breaker_go_last()
    {
        using var health = new NodeHealth(new ExpertCallOptions { BreakerBreakDuration = TimeSpan.FromMinutes(5), BreakerSamplingDuration = TimeSpan.FromMinutes(1) });
        Assert.Equal([0, 1, 2], health.Order(["a", "b", "c"]));
        Assert.Equal([2, 0, 1], health.Order(["a", "b", "c"], preferred: 2));
        await FailAsync(health, "a");
        Assert.Equal([1, 2, 0], health.Order(["a", "b", "c"]));
        Assert.Equal([1, 2, 0], health.Order(["a", "b", "c"], preferred: 0)); // preferred, but open: still last
        Assert.Equal([0, 1], health.Order(["b", "a"]));
        await FailAsync(health, "b");
        Assert.Equal([2, 0, 1], health.Order(["a", "b", "c"]));
        Assert.Equal([0], health.Order(["a"])); // a single owner is always tried
    }

    [Fact]
    public async Task Too_few_calls_do_not_open_a_breaker()
    {
        using var health = new NodeHealth(new ExpertCallOptions { BreakerMinimumCalls = 4, BreakerSamplingDuration = TimeSpan.FromMinutes(1) });
        await FailAsync(health, "a", calls: 3);
        Assert.False(health.IsAvoided("a"));
    }
}
