using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>`--standby`: a node in no plan that holds nothing until a plan node is gone; refused where it makes no sense.</summary>
public sealed class NodeStandbyOptionTests : IDisposable
{
    private readonly string _plan = Path.Combine(Path.GetTempPath(), $"standby-plan-{Guid.NewGuid():N}.json");

    public NodeStandbyOptionTests()
    {
        var config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        File.WriteAllText(_plan, new RoundRobinStrategy().Place(config, [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts)]).ToJson());
    }

    private NodeOptions Standby(string name) =>
        new() { ModelPath = FixturePaths.TinyMixtral, NodeName = name, PlanPath = _plan, Redis = "127.0.0.1:6379", Standby = true };

    [Fact]
    public void A_standby_node_outside_the_plan_starts_holding_no_expert()
    {
        var settings = NodeStartupCheck.Resolve(Standby("spare"));
        Assert.True(settings.Standby);
        Assert.Empty(settings.Plan.ExpertsOn("spare"));
    }

    [Fact]
    public void A_plan_node_cannot_be_a_standby_node()
    {
        var e = Assert.Throws<PlacementPlanException>(() => NodeStartupCheck.Resolve(Standby("a")));
        Assert.Contains("node \"a\" is in the plan, so it cannot be a --standby node", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_standby_node_needs_a_cluster_to_stand_in_for()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(Standby("spare") with { Redis = null, PlanPath = null }));
        Assert.Contains("--standby needs a multi-node cluster", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_standby_a_node_outside_the_plan_is_still_refused()
    {
        var e = Assert.Throws<PlacementPlanException>(() => NodeStartupCheck.Resolve(Standby("spare") with { Standby = false }));
        Assert.Contains("not in the plan", e.Message, StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_plan);
}
