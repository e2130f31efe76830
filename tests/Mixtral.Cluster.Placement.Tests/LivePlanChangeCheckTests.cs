using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Tests;

public class LivePlanChangeCheckTests
{
    /// <summary>One Mixtral-8x7B expert in bf16, from the published shapes: W1, W3 [14336 × 4096] and W2 [4096 × 14336], 2 bytes each.</summary>
    private const long ExpertBytes = 3L * 14336 * 4096 * 2;

    private static readonly NodeCapacity[] Nodes = [new("coord", NodeRole.Coordinator), new("b", NodeRole.Experts), new("c", NodeRole.Experts)];

    /// <summary>Layers below <paramref name="split"/> on <paramref name="low"/>, the rest on <paramref name="high"/>.</summary>
    private static PlacementPlan Halves(string low, string high, int split = 16) => new(
        ModelFingerprint.Identify(Models.Real8x7B), "test-halves", Nodes,
        [.. from l in Enumerable.Range(0, 32) from e in Enumerable.Range(0, 8) select new ExpertAssignment(l, e, [l < split ? low : high])]);

    private static IReadOnlyList<string> Problems(PlacementPlan serving, PlacementPlan next, long? budget) =>
        LivePlanChangeCheck.FindProblems(serving, next, Models.Real8x7B, Precision.BFloat16,
            [new RunningNode("coord", null), new RunningNode("b", budget), new RunningNode("c", budget)], "coord");

    [Fact]
    public void A_node_must_fit_its_old_and_new_copies_at_once_while_they_warm()
    {
        long budget = 130 * ExpertBytes; // 128 experts fit, with room for two more
        // Swapping the halves: each node holds all 256 experts while the new copies warm.
        var swap = Problems(Halves("b", "c"), Halves("c", "b"), budget);
        Assert.Equal(2, swap.Count);
        Assert.Contains($"node \"b\" would hold {256 * ExpertBytes / 1e9:0.00} GB", swap[0]);
        Assert.Contains("(256 distinct expert(s), old and new in bf16), over its budget", swap[0]);
        Assert.StartsWith("node \"c\"", swap[1]);
        // Moving one layer's experts (8) from b to c: c holds 136 at the peak, over 130; b holds its 128.
        var oneLayer = Problems(Halves("b", "c"), Halves("b", "c", split: 15), budget);
        Assert.Equal(["node \"c\" would hold " + $"{136 * ExpertBytes / 1e9:0.00} GB"], oneLayer.Select(p => p[..(p.IndexOf(" GB", StringComparison.Ordinal) + 3)]));
        // Without budgets, or with room for the peak, both pass.
        Assert.Empty(Problems(Halves("b", "c"), Halves("c", "b"), null));
        Assert.Empty(Problems(Halves("b", "c"), Halves("b", "c", split: 15), 136 * ExpertBytes));
    }

    [Fact]
    public void The_new_plan_must_pass_the_start_up_check_too()
    {
        var broken = Halves("b", "c") with { Experts = [.. Halves("b", "c").Experts.Skip(1)] };
        Assert.Equal(["1 expert(s) left unowned: L0: E0"], Problems(Halves("b", "c"), broken, null));
    }
}
