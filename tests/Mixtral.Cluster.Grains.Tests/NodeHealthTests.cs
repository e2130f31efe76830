using Mixtral.Cluster.Grains.Experts;

namespace Mixtral.Cluster.Grains.Tests;

public sealed class NodeHealthTests
{
    [Fact]
    public void Replicas_on_failed_nodes_go_last_until_the_quiet_period_ends()
    {
        var health = new NodeHealth(TimeSpan.FromMinutes(5));
        Assert.Equal([0, 1, 2], health.Order(["a", "b", "c"]));
        health.Failed("a");
        Assert.Equal([1, 2, 0], health.Order(["a", "b", "c"]));
        Assert.Equal([0, 1], health.Order(["b", "a"]));
        health.Failed("b");
        Assert.Equal([2, 0, 1], health.Order(["a", "b", "c"]));
        Assert.Equal([0], health.Order(["a"])); // a single owner is always tried
    }

    [Fact]
    public void A_failed_node_is_tried_first_again_after_its_quiet_period()
    {
        var health = new NodeHealth(TimeSpan.Zero);
        health.Failed("a");
        Assert.False(health.IsAvoided("a"));
        Assert.Equal([0, 1], health.Order(["a", "b"]));
    }
}
