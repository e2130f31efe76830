using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Tests.Planning;

public sealed class StrategyBehaviourTests
{
    /// <summary>Share of consecutive-layer choices (expert i at l, j at l+1, same token) whose experts live on different nodes.</summary>
    private static double NodeChangesBetweenLayers(PlacementPlan plan, RoutingStatistics s)
    {
        double cross = 0, all = 0;
        for (int l = 0; l + 1 < s.Layers; l++)
            for (int i = 0; i < s.Experts; i++)
                for (int j = 0; j < s.Experts; j++)
                {
                    all += s.NextLayer[l][i][j];
                    if (plan.OwnersOf(l, i)[0] != plan.OwnersOf(l + 1, j)[0]) cross += s.NextLayer[l][i][j];
                }
        return cross / all;
    }

    /// <summary>Share of a token's expert pairs within a layer that live on different nodes (each costs a second call).</summary>
    private static double SplitPairs(PlacementPlan plan, RoutingStatistics s)
    {
        double cross = 0, all = 0;
        for (int l = 0; l < s.Layers; l++)
            for (int i = 0; i < s.Experts; i++)
                for (int j = 0; j < s.Experts; j++)
                {
                    all += s.Pairs[l][i][j];
                    if (plan.OwnersOf(l, i)[0] != plan.OwnersOf(l, j)[0]) cross += s.Pairs[l][i][j];
                }
        return cross / all;
    }

    [Fact]
    public void Layer_affinity_keeps_consecutive_layers_choices_on_one_node_more_often_than_load_balancing()
    {
        // ρ = 0.9: a token's first choice at l+1 is its first choice's partner 90% of the time. Of the 4 (i, j) combinations
        // a top-2 token has between two layers, that one can always be kept on one node, the others by chance (1 in 4):
        // at best ≈ 1 − (0.9 + 0.1/4 + 3/4)/4 ≈ 0.58 of them change node, against ≈ 0.75 when affinity is ignored.
        var stats = ZipfRouting.Statistics(16, 8, 2, 0.3, 0.9, 4000, seed: 3);
        var request = new PlacementRequest(Shapes.Model(16, 8), Shapes.Nodes(4), stats);
        var affine = AffinityStrategy.LayerAffinity.Place(request);
        var balanced = new LoadBalancedStrategy().Place(request);
        double a = NodeChangesBetweenLayers(affine, stats), b = NodeChangesBetweenLayers(balanced, stats);
        Assert.True(a < b - 0.08, $"node changes between layers: layer-affinity {a:F3}, load-balanced {b:F3}");
        double imbalance = PlanLoads.Compute(affine, stats).MeanLayerImbalance;
        double lpt = PlanLoads.Compute(balanced, stats).MeanLayerImbalance;
        Assert.True(imbalance <= lpt * (1 + AffinityStrategy.Slack) + 1e-9, $"affinity stays within the load cap: {imbalance:F3} vs {lpt:F3}");
    }

    [Fact]
    public void Pair_affinity_puts_experts_chosen_together_on_one_node_more_often_than_round_robin()
    {
        // Pairs need structure to exploit: tokens of this routing choose experts in fixed pairs more often than chance.
        var builder = new RoutingStatisticsBuilder(2, 8, 2);
        var random = new Random(2);
        for (int t = 0; t < 2000; t++)
        {
            int first = random.Next(8), second = random.NextDouble() < 0.7 ? first ^ 5 : (first + 1 + random.Next(7)) % 8;
            builder.AddToken([[first, second], [second, first]]);
        }
        var stats = builder.Build();
        var request = new PlacementRequest(Shapes.Model(2, 8), Shapes.Nodes(4), stats);
        double pair = SplitPairs(AffinityStrategy.PairAffinity.Place(request), stats);
        double roundRobin = SplitPairs(PlanStrategies.Get("round-robin").Place(request), stats);
        Assert.True(pair < 0.5 && pair < roundRobin - 0.3, $"split pairs: pair-affinity {pair:F3}, round-robin {roundRobin:F3}");
    }

    [Fact]
    public void Capacity_weighted_gives_a_three_times_faster_node_three_times_the_experts()
    {
        var request = new PlacementRequest(Shapes.Model(4, 8), Shapes.Nodes(2), NodeSpeeds: new Dictionary<string, double> { ["n0"] = 3, ["n1"] = 1 });
        var plan = new CapacityWeightedStrategy().Place(request);
        for (int l = 0; l < 4; l++)
            Assert.Equal(6, Enumerable.Range(0, 8).Count(e => plan.OwnersOf(l, e)[0] == "n0"));
    }

    [Fact]
    public void Capacity_weighted_without_speeds_follows_memory_budgets()
    {
        var nodes = new[]
        {
            new NodeCapacity("big", NodeRole.All, 24 * Shapes.ExpertBytes + Shapes.SharedBytes),
            new NodeCapacity("small", NodeRole.Experts, 8 * Shapes.ExpertBytes),
        };
        var plan = new CapacityWeightedStrategy().Place(new PlacementRequest(Shapes.Model(4, 8), nodes));
        Assert.Equal(24, plan.ExpertsOn("big").Count());
        Assert.Equal(8, plan.ExpertsOn("small").Count());
    }

    [Fact]
    public void Statistics_driven_strategies_without_statistics_say_what_they_need()
    {
        var e = Assert.Throws<PlacementPlanException>(() => new ReplicatedStrategy().Place(new PlacementRequest(Shapes.Model(2, 8), Shapes.Nodes(2))));
        Assert.Contains("replicated needs routing statistics (--stats FILE", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistics_of_another_shape_are_refused()
    {
        var stats = ZipfRouting.Statistics(3, 8, 2, 1, 0, 10, 1);
        var e = Assert.Throws<PlacementPlanException>(() => new LoadBalancedStrategy().Place(new PlacementRequest(Shapes.Model(4, 8), Shapes.Nodes(2), stats)));
        Assert.Contains("statistics are for 3 layers × 8 experts, the model has 4 × 8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_little_memory_is_refused_naming_the_room_and_the_need()
    {
        var e = Assert.Throws<PlacementPlanException>(() => new LoadBalancedStrategy().Place(
            new PlacementRequest(Shapes.Model(4, 8), Shapes.Nodes(2, copiesEach: 10), ZipfRouting.Statistics(4, 8, 2, 1, 0, 10, 1))));
        Assert.Contains("room for 20 expert copies, the model has 32 experts", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_step_cost_replication_copies_only_where_rows_outweigh_weight_reads()
    {
        var stats = ZipfRouting.Statistics(8, 8, 2, 1.0, 0, 2000, seed: 9);
        var request = new PlacementRequest(Shapes.Model(8, 8), Shapes.Nodes(4), stats, 32 * Shapes.ExpertBytes);
        int Copies(StepCost cost) => new ReplicatedStrategy().Place(request with { Cost = cost }).Experts.Sum(a => a.Nodes.Count) - 64;
        // GPU decode at batch 32: 64 rows a layer, 150 rows cost one read. A copy halves a hot expert's ~20 rows (0.07
        // reads of FLOPs) but adds a whole read on another node: never worth it.
        Assert.Equal(0, Copies(new StepCost(64, 150)));
        // CPU at batch 128: 256 rows a layer, 6 rows cost one read: the hot experts' rows dominate, so they are split.
        Assert.True(Copies(new StepCost(256, 6)) > 0);
    }

    [Fact]
    public void A_step_cost_counts_a_weight_read_for_any_used_copy_plus_its_rows()
    {
        var cost = new StepCost(RowsPerStep: 64, RowsPerWeightRead: 150);
        Assert.Equal(0, cost.Of(0), 12);
        Assert.Equal(1 - Math.Exp(-32) + 32 / 150.0, cost.Of(0.5), 12);
        Assert.Equal(150, StepCost.RowsPerRead(352_321_536, 2.0 * 3 * 4096 * 14336, 1e12, 150e12), 6);
    }
}
