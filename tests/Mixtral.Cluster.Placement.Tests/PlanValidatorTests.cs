using Mixtral.Model.Config;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Placement.Validation;

namespace Mixtral.Cluster.Placement.Tests;

public class PlanValidatorTests
{
    private static readonly NodeCapacity[] ThreeNodes =
        [new("a", NodeRole.All, Device: ComputeDevice.Cuda), new("b", NodeRole.Experts), new("c", NodeRole.Experts)];

    private static PlacementPlan TinyPlan() => new RoundRobinStrategy().Place(Models.Tiny, ThreeNodes);

    private static IReadOnlyList<string> Problems(PlacementPlan plan) =>
        PlanValidator.FindProblems(plan, Models.Tiny, Precision.BFloat16);

    private static PlacementPlan WithOwners(PlacementPlan plan, int layer, int expert, params string[] owners) =>
        plan with
        {
            Experts = [.. plan.Experts.Select(a => a.Layer == layer && a.Expert == expert ? a with { Nodes = owners } : a)],
        };

    [Fact]
    public void Strategy_plans_pass()
    {
        foreach (var strategy in PlacementStrategies.All)
            Assert.Empty(Problems(strategy.Place(Models.Tiny, ThreeNodes)));
    }

    [Fact]
    public void Unowned_expert_is_named_by_layer_and_expert()
    {
        var plan = TinyPlan();
        var missing = plan with { Experts = [.. plan.Experts.Where(a => !(a.Layer == 2 && a.Expert == 5))] };
        Assert.Equal(["1 expert(s) left unowned: L2: E5"], Problems(missing));
        Assert.Equal(["1 expert(s) left unowned: L0: E3"], Problems(WithOwners(plan, 0, 3)));
    }

    [Fact]
    public void Expert_missing_from_every_layer_is_summarised_as_a_range()
    {
        var plan = TinyPlan();
        var missing = plan with { Experts = [.. plan.Experts.Where(a => a.Expert != 6)] };
        Assert.Equal(["4 expert(s) left unowned: L0-3: E6"], Problems(missing));
    }

    [Fact]
    public void Unknown_node_is_named_with_the_experts_it_was_given()
    {
        var plan = WithOwners(WithOwners(TinyPlan(), 1, 2, "zeta"), 3, 2, "b", "zeta");
        Assert.Equal(["unknown node \"zeta\" owns 2 expert(s) (L1: E2; L3: E2); the plan's nodes are: a, b, c"], Problems(plan));
    }

    [Fact]
    public void Node_over_its_budget_is_named_with_bytes_needed_and_budget()
    {
        // Real 8x7B, round-robin on 3 nodes of 24 GB: a holds E0,E3,E6 of 32 layers plus the shared weights,
        // b holds E1,E4,E7, c holds E2,E5. One expert-layer is 352,321,536 B and the shared part 3,211,272,192 B
        // (fixture README), so a needs 96 × 352,321,536 + 3,211,272,192 = 37,034,139,648 B, b 33,822,867,456 B,
        // and c 64 × 352,321,536 = 22,548,578,304 B, which fits.
        const long Budget = 24_000_000_000;
        NodeCapacity[] nodes = [.. ThreeNodes.Select(n => n with { MemoryBudgetBytes = Budget })];
        var plan = new RoundRobinStrategy().Place(Models.Real8x7B, nodes);

        Assert.Equal(
        [
            "node \"a\" needs 37.03 GB (37,034,139,648 bytes) for 96 expert(s) + the shared weights in bf16, over its budget of 24.00 GB (24,000,000,000 bytes)",
            "node \"b\" needs 33.82 GB (33,822,867,456 bytes) for 96 expert(s) in bf16, over its budget of 24.00 GB (24,000,000,000 bytes)",
        ], PlanValidator.FindProblems(plan, Models.Real8x7B, Precision.BFloat16));
        Assert.Empty(PlanValidator.FindProblems(plan, Models.Real8x7B, Precision.Int8)); // a: 96 × 176,226,304 + shared int8 < 24 GB
    }

    [Fact]
    public void Plan_for_another_model_is_refused()
    {
        var plan = new RoundRobinStrategy().Place(Models.Tiny, ThreeNodes);
        Assert.Equal(
            ["plan is for a model with 4 layers × 8 experts, this model has 32 layers × 8 experts"],
            PlanValidator.FindProblems(plan, Models.Real8x7B, Precision.BFloat16));
    }

    [Fact]
    public void Plan_for_a_model_of_the_same_depth_but_other_shapes_is_refused()
    {
        var wider = Models.Tiny with { IntermediateSize = 512 };
        var problem = Assert.Single(PlanValidator.FindProblems(TinyPlan(), wider, Precision.BFloat16));
        Assert.StartsWith($"plan was made for model fingerprint {TinyPlan().Model.Fingerprint}, this model's is ", problem);
    }

    [Fact]
    public void Coordinator_only_node_owning_experts_is_named()
    {
        var plan = TinyPlan() with { Nodes = [new("a", NodeRole.Coordinator), new("b", NodeRole.Experts), new("c", NodeRole.Experts)] };
        Assert.Equal(["node \"a\" has role coordinator but owns 12 expert(s) (L0-3: E0,E3,E6)"], Problems(plan));
    }

    [Fact]
    public void Plan_without_a_coordinator_is_refused()
    {
        var plan = TinyPlan() with { Nodes = [new("a", NodeRole.Experts), new("b", NodeRole.Experts), new("c", NodeRole.Experts)] };
        Assert.StartsWith("no node has role coordinator or all", Assert.Single(Problems(plan)));
    }

    [Fact]
    public void Plan_with_two_coordinators_is_refused_naming_both()
    {
        var plan = TinyPlan() with { Nodes = [new("a", NodeRole.All), new("b", NodeRole.Coordinator), new("c", NodeRole.Experts)] };
        plan = plan with { Experts = [.. plan.Experts.Select(a => a with { Nodes = [.. a.Nodes.Select(n => n == "b" ? "c" : n)] })] };
        Assert.Equal(["only one node may be the coordinator (role coordinator or all), got 2: \"a\" (all), \"b\" (coordinator)"], Problems(plan));
    }

    [Fact]
    public void Malformed_entries_are_each_named()
    {
        var plan = TinyPlan();
        plan = plan with
        {
            Nodes = [.. plan.Nodes, new NodeCapacity("b", NodeRole.Experts)],
            Experts = [.. plan.Experts, new ExpertAssignment(9, 0, ["a"]), new ExpertAssignment(0, 1, ["c"])],
        };
        plan = WithOwners(plan, 1, 1, "a", "a");
        Assert.Equal(
        [
            "node \"b\" is listed 2 times",
            "L0.E1 is listed 2 times; list each expert once with all its nodes",
            "L1.E1 lists node \"a\" more than once",
            "L9.E0 is outside the model (layers 0-3, experts 0-7)",
        ], Problems(plan));
    }

    [Fact]
    public void Validate_throws_with_every_problem_and_returns_the_footprint_otherwise()
    {
        var plan = TinyPlan();
        var bad = WithOwners(WithOwners(plan, 0, 0), 1, 1, "q");
        var e = Assert.Throws<PlacementPlanException>(() => PlanValidator.Validate(bad, Models.Tiny, Precision.BFloat16, "plan.json"));
        Assert.Equal(
            "plan.json rejected:\n" +
            "  - unknown node \"q\" owns 1 expert(s) (L1: E1); the plan's nodes are: a, b, c\n" +
            "  - 1 expert(s) left unowned: L0: E0", e.Message);

        var footprint = PlanValidator.Validate(plan, Models.Tiny, Precision.BFloat16);
        Assert.Equal(new ModelSizing(Models.Tiny, Precision.BFloat16).TotalBytes, footprint.TotalBytes);
    }
}
