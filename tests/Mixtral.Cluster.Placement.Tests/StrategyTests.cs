using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement;
using Mixtral.Cluster.Placement.Strategies;

namespace Mixtral.Cluster.Placement.Tests;

public class StrategyTests
{
    private static NodeCapacity[] Nodes(params string[] names) =>
        names.Select((n, i) => new NodeCapacity(n, i == 0 ? NodeRole.All : NodeRole.Experts)).ToArray();

    /// <summary>For every layer the plan must give exactly <paramref name="expected"/>[node] = experts; one owner each.</summary>
    private static void AssertEveryLayer(PlacementPlan plan, Dictionary<string, int[]> expected)
    {
        Assert.Equal(32 * 8, plan.Experts.Count);
        for (int layer = 0; layer < 32; layer++)
            foreach (var (node, experts) in expected)
                foreach (int e in experts)
                    Assert.Equal([node], plan.OwnersOf(layer, e));
        Assert.Equal(256, expected.Values.Sum(e => e.Length) * 32);
    }

    [Fact]
    public void Round_robin_puts_expert_e_on_node_e_mod_n()
    {
        var plan = new RoundRobinStrategy().Place(Models.Real8x7B, Nodes("a", "b", "c"));
        AssertEveryLayer(plan, new() { ["a"] = [0, 3, 6], ["b"] = [1, 4, 7], ["c"] = [2, 5] });
        Assert.Equal("round-robin", plan.Strategy);
        Assert.Equal(ModelFingerprint.Identify(Models.Real8x7B), plan.Model);
    }

    [Theory]
    [InlineData(3, new[] { 0, 1 }, new[] { 2, 3, 4 }, new[] { 5, 6, 7 })]
    [InlineData(2, new[] { 0, 1, 2, 3 }, new[] { 4, 5, 6, 7 }, null)]
    public void Contiguous_gives_node_i_experts_from_i_E_over_N(int n, int[] first, int[] second, int[]? third)
    {
        string[] names = new[] { "a", "b", "c" }[..n];
        var plan = new ContiguousStrategy().Place(Models.Real8x7B, Nodes(names));
        var expected = new Dictionary<string, int[]> { ["a"] = first, ["b"] = second };
        if (third is not null) expected["c"] = third;
        AssertEveryLayer(plan, expected);
    }

    [Fact]
    public void Contiguous_with_as_many_nodes_as_experts_gives_one_each()
    {
        string[] names = Enumerable.Range(0, 8).Select(i => $"n{i}").ToArray();
        var plan = new ContiguousStrategy().Place(Models.Real8x7B, Nodes(names));
        AssertEveryLayer(plan, names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => new[] { p.i }));
    }

    [Fact]
    public void Coordinator_only_node_gets_no_experts()
    {
        NodeCapacity[] nodes = [new("coord", NodeRole.Coordinator), new("x", NodeRole.Experts), new("y", NodeRole.Experts)];
        var plan = new RoundRobinStrategy().Place(Models.Real8x7B, nodes);
        AssertEveryLayer(plan, new() { ["x"] = [0, 2, 4, 6], ["y"] = [1, 3, 5, 7] });
        Assert.Empty(plan.ExpertsOn("coord"));
        Assert.Equal(nodes, plan.Nodes);
    }

    [Fact]
    public void Strategies_are_pure()
    {
        foreach (var strategy in PlacementStrategies.All)
            Assert.Equal(strategy.Place(Models.Tiny, Nodes("a", "b")).ToJson(), strategy.Place(Models.Tiny, Nodes("a", "b")).ToJson());
    }

    [Fact]
    public void No_expert_host_is_refused()
    {
        var e = Assert.Throws<PlacementPlanException>(() =>
            new ContiguousStrategy().Place(Models.Tiny, [new NodeCapacity("coord", NodeRole.Coordinator)]));
        Assert.Equal("contiguous: no node can host experts (nodes: coord (coordinator)); give at least one node the role experts or all", e.Message);
    }

    [Fact]
    public void Duplicate_node_names_are_refused()
    {
        var e = Assert.Throws<PlacementPlanException>(() => new RoundRobinStrategy().Place(Models.Tiny, Nodes("a", "b", "a")));
        Assert.Equal("round-robin: node name(s) listed twice: a", e.Message);
    }

    [Fact]
    public void Strategies_are_found_by_name()
    {
        Assert.IsType<ContiguousStrategy>(PlacementStrategies.Get("contiguous"));
        var e = Assert.Throws<PlacementPlanException>(() => PlacementStrategies.Get("random"));
        Assert.Equal("unknown placement strategy \"random\"; known: round-robin, contiguous", e.Message);
    }
}
