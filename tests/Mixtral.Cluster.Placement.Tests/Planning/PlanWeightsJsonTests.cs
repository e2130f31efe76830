using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Tests.Planning;

public sealed class PlanWeightsJsonTests
{
    private const string Plan = """
        {
          "model": {"fingerprint": "abc", "num_hidden_layers": 1, "num_local_experts": 2},
          "strategy": "replicated",
          "nodes": [{"name": "a", "role": "all"}, {"name": "b", "role": "experts"}],
          "experts": [
            {"layer": 0, "expert": 0, "nodes": ["a", "b"], "weights": [0.75, 0.25]},
            {"layer": 0, "expert": 1, "nodes": ["b"]}
          ]
        }
        """;

    [Fact]
    public void Copies_carry_load_shares_and_plans_without_weights_still_load_as_failover()
    {
        var plan = PlacementPlan.FromJson(Plan);
        var hot = plan.Experts[0];
        Assert.Equal([0.75, 0.25], hot.Weights);
        Assert.Equal((0.75, 0.25), (hot.ShareOf(0), hot.ShareOf(1)));
        var cold = plan.Experts[1];
        Assert.Null(cold.Weights);
        Assert.Equal(1.0, cold.ShareOf(0));

        // A plan written before weights existed: every copy but the first is failover only.
        var old = PlacementPlan.FromJson(Plan.Replace(", \"weights\": [0.75, 0.25]", "", StringComparison.Ordinal));
        Assert.Equal((1.0, 0.0), (old.Experts[0].ShareOf(0), old.Experts[0].ShareOf(1)));
        Assert.DoesNotContain("weights", old.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"weights\":[0.75,0.25]", plan.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[0.75, 0.35]", "experts entry (layer 0, expert 0): weights sum to 1.1")]
    [InlineData("[1.0]", "experts entry (layer 0, expert 0): weights has 1 entries but nodes has 2")]
    [InlineData("[1.25, -0.25]", "experts entry (layer 0, expert 0): weights must be non-negative numbers")]
    public void Bad_weights_are_refused_naming_the_entry(string weights, string message)
    {
        var e = Assert.Throws<PlacementPlanException>(() => PlacementPlan.FromJson(Plan.Replace("[0.75, 0.25]", weights, StringComparison.Ordinal), "p.json"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("p.json: not a placement plan", e.Message, StringComparison.Ordinal);
    }
}
