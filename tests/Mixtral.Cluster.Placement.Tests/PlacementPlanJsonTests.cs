using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;

namespace Mixtral.Cluster.Placement.Tests;

public class PlacementPlanJsonTests
{
    private static PlacementPlan PlanWithReplica()
    {
        NodeCapacity[] nodes =
        [
            new("coord", NodeRole.Coordinator, 8_000_000_000, ComputeDevice.Cuda),
            new("gpu-1", NodeRole.Experts, 24_000_000_000, ComputeDevice.Cuda),
            new("cpu-1", NodeRole.Experts),
        ];
        var plan = new ContiguousStrategy().Place(Models.Tiny, nodes);
        return plan with
        {
            Experts = [.. plan.Experts.Select(a => a is { Layer: 2, Expert: 1 } ? a with { Nodes = ["gpu-1", "cpu-1"] } : a)],
        };
    }

    [Fact]
    public void Plan_round_trips_through_json()
    {
        var plan = PlanWithReplica();
        var back = PlacementPlan.FromJson(plan.ToJson());

        Assert.Equal(plan.Model, back.Model);
        Assert.Equal(plan.Strategy, back.Strategy);
        Assert.Equal(plan.Nodes, back.Nodes);
        Assert.Equal(
            plan.Experts.Select(a => (a.Layer, a.Expert, string.Join(",", a.Nodes))),
            back.Experts.Select(a => (a.Layer, a.Expert, string.Join(",", a.Nodes))));
        Assert.Equal(["gpu-1", "cpu-1"], back.OwnersOf(2, 1));
        Assert.Contains(new Contracts.Experts.ExpertKey(2, 1, 1), back.ExpertsOn("cpu-1"));
    }

    [Fact]
    public void Json_uses_snake_case_and_lower_case_words()
    {
        string json = PlanWithReplica().ToJson();
        Assert.Contains("\"num_hidden_layers\": 4", json);
        Assert.Contains("\"num_local_experts\": 8", json);
        Assert.Contains("\"memory_budget_bytes\": 24000000000", json);
        Assert.Contains("\"role\": \"coordinator\"", json);
        Assert.Contains("\"device\": \"cuda\"", json);
        Assert.Contains("\"strategy\": \"contiguous\"", json);
        Assert.DoesNotContain("null", json); // an absent budget is left out, not written as null
        Assert.DoesNotContain("hosts_experts", json); // derived from the role, not data
        Assert.Contains("\n    {\"layer\":2,\"expert\":1,\"nodes\":[\"gpu-1\",\"cpu-1\"]},\n", json); // one line per expert
    }

    [Fact]
    public void Hand_written_plan_parses()
    {
        const string json = """
            {
              "model": { "fingerprint": "abc", "num_hidden_layers": 1, "num_local_experts": 2 },
              "strategy": "by-hand",
              "nodes": [ { "name": "a", "role": "all" }, { "name": "b", "role": "experts", "device": "cuda", "memory_budget_bytes": 1000 } ],
              "experts": [ { "layer": 0, "expert": 0, "nodes": ["a"] }, { "layer": 0, "expert": 1, "nodes": ["b", "a"] } ]
            }
            """;
        var plan = PlacementPlan.FromJson(json);
        Assert.Equal(new ModelIdentity("abc", 1, 2), plan.Model);
        Assert.Equal([new NodeCapacity("a", NodeRole.All), new NodeCapacity("b", NodeRole.Experts, 1000, ComputeDevice.Cuda)], plan.Nodes);
        Assert.Equal(["b", "a"], plan.OwnersOf(0, 1));
        Assert.Empty(plan.OwnersOf(0, 2));
    }

    [Theory]
    [InlineData("""{"model": {"fingerprint": "x", "num_hidden_layers": 1, "num_local_experts": 1}, "nodes": [], "experts": []}""", "strategy")]
    [InlineData("""{"model": {"fingerprint": "x", "num_hidden_layers": 1, "num_local_experts": 1}, "strategy": "s", "nodes": [], "experts": [], "expert": []}""", "expert")]
    [InlineData("""{"model": {"fingerprint": "x", "num_hidden_layers": 1, "num_local_experts": 1}, "strategy": "s", "nodes": [{"name": "a", "role": "gpu"}], "experts": []}""", "$.nodes[0].role")]
    [InlineData("""{"model": {"fingerprint": "x", "num_hidden_layers": 1, "num_local_experts": 1}, "strategy": null, "nodes": [], "experts": []}""", "strategy")]
    [InlineData("""{"model": {"fingerprint": "x", "num_hidden_layers": 1, "num_local_experts": 1}, "strategy": "s", "nodes": [], "experts": [""", "plan.json: not a placement plan")]
    public void Malformed_json_names_the_file_and_the_field(string json, string expected)
    {
        var e = Assert.Throws<PlacementPlanException>(() => PlacementPlan.FromJson(json));
        Assert.StartsWith("plan.json: not a placement plan (", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var e = Assert.Throws<PlacementPlanException>(() => PlacementPlan.Load("/nonexistent/plan.json"));
        Assert.Equal("/nonexistent/plan.json: placement plan not found", e.Message);
    }
}
