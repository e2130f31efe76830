using CsCheck;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Tests.Planning;

public sealed class PlanStrategyPropertyTests
{
    private sealed record Scenario(int Layers, int Experts, int K, int Nodes, int? CopiesEach, int ReplicaCopies, double Skew, int Seed, StepCost? Cost)
    {
        public PlacementRequest Request() => new(Shapes.Model(Layers, Experts, K), Shapes.Nodes(Nodes, CopiesEach),
            ZipfRouting.Statistics(Layers, Experts, K, Skew, 0.3, 300, Seed), ReplicaCopies * Shapes.ExpertBytes, Cost: Cost);
    }

    private static readonly Gen<Scenario> Scenarios =
        from layers in Gen.Int[1, 6]
        from experts in Gen.Int[2, 10]
        from k in Gen.Int[1, Math.Min(experts, 3)]
        from nodes in Gen.Int[1, 6]
        from budgeted in Gen.Bool
        from slack in Gen.Int[0, 4]
        from replicas in Gen.Int[0, 12]
        from skew in Gen.Double[0, 1.5]
        from seed in Gen.Int[0, 1000]
        from costed in Gen.Bool
        from stepRows in Gen.Double[1, 512]
        from rowsPerRead in Gen.Double[1, 300]
        // With a budget, each node holds its fair share of the experts plus some slack (so the plan can fit).
        let copies = budgeted ? (int?)((layers * experts + nodes - 1) / nodes + slack) : null
        select new Scenario(layers, experts, k, nodes, copies, replicas, skew, seed, costed ? new StepCost(stepRows, rowsPerRead) : null);

    [Fact]
    public void Every_strategy_owns_every_expert_on_distinct_hosts_within_budgets_with_weights_summing_to_one()
    {
        Scenarios.Sample(s =>
        {
            var request = s.Request();
            foreach (var strategy in PlanStrategies.All)
            {
                string why = $"{strategy.Name} on {s}";
                PlacementPlan plan;
                try
                {
                    plan = strategy.Place(request);
                }
                catch (PlacementPlanException e) when (strategy.Name is "round-robin" or "contiguous" && s.CopiesEach is not null)
                {
                    // Fixed rules cannot follow budgets; they must say which node overflows rather than return the plan.
                    Assert.Contains("its memory budget holds", e.Message, StringComparison.Ordinal);
                    continue;
                }
                Assert.True(plan.Experts.Count == s.Layers * s.Experts, why);
                for (int l = 0; l < s.Layers; l++)
                    for (int e = 0; e < s.Experts; e++)
                    {
                        var a = Assert.Single(plan.Experts, x => x.Layer == l && x.Expert == e);
                        Assert.True(a.Nodes.Count >= 1 && a.Nodes.Distinct().Count() == a.Nodes.Count, why);
                        Assert.All(a.Nodes, n => Assert.True(plan.FindNode(n)?.HostsExperts == true, why));
                        if (a.Weights is { } w)
                        {
                            Assert.True(w.Count == a.Nodes.Count && w.All(x => x >= 0), why);
                            Assert.True(Math.Abs(w.Sum() - 1) <= ExpertAssignment.WeightSumTolerance, $"{why}: weights {string.Join(",", w)}");
                        }
                    }
                foreach (var node in plan.Nodes.Where(n => n.MemoryBudgetBytes is not null))
                {
                    long used = plan.ExpertsOn(node.Name).Count() * Shapes.ExpertBytes + (node.HostsSharedWeights ? Shapes.SharedBytes : 0);
                    Assert.True(used <= node.MemoryBudgetBytes, $"{why}: {node.Name} uses {used} of {node.MemoryBudgetBytes}");
                }
                int extra = plan.Experts.Sum(a => a.Nodes.Count) - s.Layers * s.Experts;
                Assert.True(extra <= s.ReplicaCopies, $"{why}: {extra} copies beyond the replica budget of {s.ReplicaCopies}");
                Assert.Equal(plan.ToJson(), PlacementPlan.FromJson(plan.ToJson()).ToJson());
            }
        }, iter: 150);
    }

    [Fact]
    public void Replication_never_raises_and_on_skewed_routing_lowers_the_per_layer_max_over_mean_node_load()
    {
        Gen.Select(Gen.Int[2, 8], Gen.Double[0.6, 1.5], Gen.Int[0, 1000]).Sample((nodes, skew, seed) =>
        {
            var stats = ZipfRouting.Statistics(8, 8, 2, skew, 0, 2000, seed);
            var request = new PlacementRequest(Shapes.Model(8, 8), Shapes.Nodes(nodes), stats, 16 * Shapes.ExpertBytes);
            double balanced = PlanLoads.Compute(new LoadBalancedStrategy().Place(request), stats).MeanLayerImbalance;
            double replicated = PlanLoads.Compute(new ReplicatedStrategy().Place(request), stats).MeanLayerImbalance;
            // Copies' weights are written with 4 decimals: that rounding may cost a few 1e-4.
            Assert.True(replicated <= balanced + 2e-3, $"{nodes} nodes, s={skew:F2}: replicated {replicated:F3} > load-balanced {balanced:F3}");
        }, iter: 60);
    }

    [Fact]
    public void On_mixtral_shaped_skewed_routing_replication_reaches_max_over_mean_1_1_where_round_robin_cannot()
    {
        var stats = ZipfRouting.Statistics(32, 8, 2, 1.0, 0, 4000, seed: 5);
        var request = new PlacementRequest(Shapes.Model(32, 8), Shapes.Nodes(4), stats, 64 * Shapes.ExpertBytes);
        double roundRobin = PlanLoads.Compute(PlanStrategies.Get("round-robin").Place(request), stats).MeanLayerImbalance;
        double balanced = PlanLoads.Compute(new LoadBalancedStrategy().Place(request), stats).MeanLayerImbalance;
        var plan = new ReplicatedStrategy().Place(request);
        double replicated = PlanLoads.Compute(plan, stats).MeanLayerImbalance;
        Assert.True(roundRobin > 1.3, $"round-robin {roundRobin:F3}");
        Assert.True(balanced < roundRobin, $"load-balanced {balanced:F3} vs round-robin {roundRobin:F3}");
        Assert.True(replicated <= 1.1, $"replicated {replicated:F3} (load-balanced {balanced:F3}, round-robin {roundRobin:F3})");
        Assert.True(plan.Experts.Sum(a => a.Nodes.Count) - 256 <= 64, "copies within the replica budget");
        Assert.Contains(plan.Experts, a => a.Weights is not null);
    }

    [Fact]
    public void Without_a_replica_budget_replication_adds_no_copies()
    {
        var stats = ZipfRouting.Statistics(4, 8, 2, 1.0, 0, 500, seed: 1);
        var plan = new ReplicatedStrategy().Place(new PlacementRequest(Shapes.Model(4, 8), Shapes.Nodes(3), stats));
        Assert.All(plan.Experts, a => Assert.Single(a.Nodes));
    }
}
