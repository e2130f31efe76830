using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;

namespace Mixtral.Cluster.Placement.Tests.Simulation;

/// <summary>Small clusters whose step times are worked out by hand in the comments.</summary>
public sealed class PlacementSimulatorTests
{
    // 1 layer, 2 experts, top-1. Hidden 4 × 2 bytes = 8 bytes a row. An expert is 1000 bytes; the shared part 500.
    private static readonly SimulatedModel Model = new(
        new ModelShape(new ModelIdentity("sim", 1, 2), 1, 2, 1, BytesPerExpert: 1000, SharedBytes: 600),
        Hidden: 4, WireBytesPerValue: 2, SharedBytesReadPerStep: 500, FlopsPerExpertRow: 10);

    // Nodes read 1000 B/s and do 100 FLOP/s (0.1 s a row); the link: 10 ms one way, 80 B/s.
    private static readonly SimulatedCluster Cluster = new(new LinkModel("test", 0.01, 80), new NodeModel(1000, 100), CallOverheadSeconds: 0);

    private static readonly NodeCapacity[] Nodes = [new("a", NodeRole.All), new("b", NodeRole.Experts)];

    private static PlacementPlan Plan(ExpertAssignment e1) =>
        new(Model.Shape.Identity, "test", Nodes, [new ExpertAssignment(0, 0, ["a"]), e1]);

    private static RoutedToken[] Tokens(params int[] experts) =>
        experts.Select((e, i) => new RoutedToken(0, i, [[e]], [[1f]])).ToArray();

    [Fact]
    public void A_remote_expert_costs_weights_rows_latency_and_bytes_both_ways()
    {
        var r = PlacementSimulator.Run(Plan(new ExpertAssignment(0, 1, ["b"])), Tokens(1, 1), Model, Cluster, batch: 2);
        // shared 500/1000 = 0.5 s; node b: weights 1000/1000 = 1 s + 2 rows × 0.1 s = 1.2 s compute,
        // network 2 × 0.01 + (16 out + 16 back)/80 = 0.42 s; layer 1.62 s (the link bound 0.02 + 16/80 + 1.2 = 1.42 is lower).
        Assert.Equal(2.12, r.MeanStepSeconds, 9);
        Assert.Equal(2 / 2.12, r.TokensPerSecond, 9);
        Assert.Equal(16, r.WireBytesPerToken, 9); // 8 out + 8 back per token
        Assert.Equal(2, r.HopsPerToken, 9);
        Assert.Equal(0.5, r.SharedSecondsPerStep, 9);
        Assert.Equal(1.2, r.ComputeSecondsPerStep, 9);
        Assert.Equal(0.42, r.NetworkSecondsPerStep, 9);
    }

    [Fact]
    public void A_copy_on_the_coordinator_takes_its_share_of_rows_without_network()
    {
        var r = PlacementSimulator.Run(Plan(new ExpertAssignment(0, 1, ["a", "b"], [0.5, 0.5])), Tokens(1, 1), Model, Cluster, batch: 2);
        // One row each. a (local): 1 + 0.1 = 1.1 s. b: 1.1 s + 2 × 0.01 + (8 + 8)/80 = 1.32 s. Link bound: 0.02 + 8/80 + 1.1 = 1.22 s.
        Assert.Equal(0.5 + 1.32, r.MeanStepSeconds, 9);
        Assert.Equal(8, r.WireBytesPerToken, 9); // only one of the two rows crossed the wire, both ways
        Assert.Equal(1, r.HopsPerToken, 9);
        Assert.Equal(1, r.NodeLoadImbalance, 9);
    }

    [Fact]
    public void Rows_of_a_replicated_expert_follow_the_plan_weights()
    {
        var tokens = Tokens(Enumerable.Repeat(1, 1000).ToArray());
        var r = PlacementSimulator.Run(Plan(new ExpertAssignment(0, 1, ["a", "b"], [0.75, 0.25])), tokens, Model, Cluster, batch: 1);
        Assert.Equal(750.0 / 500, r.NodeLoadImbalance, 9); // 750 rows on a, 250 on b: max/mean = 1.5
        Assert.Equal(0.25 * 2, r.HopsPerToken, 9);
    }

    [Fact]
    public void Without_weights_copies_are_failover_only_and_the_first_takes_every_row()
    {
        var r = PlacementSimulator.Run(Plan(new ExpertAssignment(0, 1, ["b", "a"])), Tokens(1, 1, 1, 1), Model, Cluster, batch: 1);
        Assert.Equal(2, r.NodeLoadImbalance, 9);
        Assert.Equal(2, r.HopsPerToken, 9);
    }

    [Fact]
    public void P99_is_the_slowest_step_when_there_are_few_steps()
    {
        var r = PlacementSimulator.Run(Plan(new ExpertAssignment(0, 1, ["b"])), Tokens(0, 1), Model, Cluster, batch: 1);
        // Step 1: expert 0 on a, local: 0.5 + 1.1. Step 2: expert 1 on b: 0.5 + 1.1 + 0.02 + 16/80 = 1.82.
        Assert.Equal(1.6, r.P50StepSeconds, 9);
        Assert.Equal(1.82, r.P99StepSeconds, 9);
    }

    [Fact]
    public void Calls_per_node_send_a_token_once_to_a_node_holding_both_its_experts()
    {
        var model = Model with { Shape = Model.Shape with { ExpertsPerToken = 2 } };
        var plan = new PlacementPlan(Model.Shape.Identity, "test", Nodes, [new ExpertAssignment(0, 0, ["b"]), new ExpertAssignment(0, 1, ["b"])]);
        RoutedToken[] token = [new(0, 0, [[0, 1]], [[0.5f, 0.5f]])];
        // b runs both experts: 2 × (1 s weights + 0.1 s row) = 2.2 s. Per expert call the token crosses twice each way:
        // 0.02 + (16 + 16)/80 = 0.42 s; per node call once each way: 0.02 + (8 + 8)/80 = 0.22 s.
        var perExpert = PlacementSimulator.Run(plan, token, model, Cluster, batch: 1);
        var perNode = PlacementSimulator.Run(plan, token, model, Cluster with { CallsPerNode = true }, batch: 1);
        Assert.Equal(0.5 + 2.2 + 0.42, perExpert.MeanStepSeconds, 9);
        Assert.Equal(0.5 + 2.2 + 0.22, perNode.MeanStepSeconds, 9);
        Assert.Equal((32.0, 16.0), (perExpert.WireBytesPerToken, perNode.WireBytesPerToken));
        Assert.Equal((4.0, 2.0), (perExpert.HopsPerToken, perNode.HopsPerToken));
    }
}
