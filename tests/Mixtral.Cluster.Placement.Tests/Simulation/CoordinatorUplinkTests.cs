using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;

namespace Mixtral.Cluster.Placement.Tests.Simulation;

/// <summary>
/// The coordinator's own link: shared (every remote row crosses it, the physical case) or unlimited (only per-node
/// links, what the emulation does on one machine). Step times worked out by hand in the comments.
/// </summary>
public sealed class CoordinatorUplinkTests
{
    // 1 layer, 3 experts, top-1; 8 bytes a row; an expert is 1000 bytes; the coordinator reads 500 bytes a step.
    private static readonly SimulatedModel Model = new(
        new ModelShape(new ModelIdentity("sim", 1, 3), 1, 3, 1, BytesPerExpert: 1000, SharedBytes: 600),
        Hidden: 4, WireBytesPerValue: 2, SharedBytesReadPerStep: 500, FlopsPerExpertRow: 10);

    // Coordinator a holds no expert; b, c, d one each. 2 rows per expert per step.
    private static readonly PlacementPlan Plan = new(Model.Shape.Identity, "test",
        [new("a", NodeRole.Coordinator), new("b", NodeRole.Experts), new("c", NodeRole.Experts), new("d", NodeRole.Experts)],
        [new ExpertAssignment(0, 0, ["b"]), new ExpertAssignment(0, 1, ["c"]), new ExpertAssignment(0, 2, ["d"])]);

    private static readonly RoutedToken[] Tokens = [.. new[] { 0, 0, 1, 1, 2, 2 }.Select((e, i) => new RoutedToken(0, i, [[e]], [[1f]]))];

    private static SimulationResult Run(bool shared) => PlacementSimulator.Run(Plan, Tokens, Model,
        new SimulatedCluster(new LinkModel("test", 0.01, 80), new NodeModel(1000, 100), CallOverheadSeconds: 0, CoordinatorLinkShared: shared), batch: 6);

    [Fact]
    public void A_shared_uplink_carries_every_remote_row_and_bounds_the_layer()
    {
        // Each node: 1000/1000 + 2 rows × 0.1 = 1.2 s compute; its link 2 × 0.01 + (16 out + 16 back)/80 = 0.42 s → 1.62 s.
        // The uplink carries 48 bytes each way: 0.02 + 48/80 + 1.2 (the quickest node's compute) = 1.82 s. Step: 0.5 + 1.82.
        Assert.Equal(2.32, Run(shared: true).MeanStepSeconds, 9);
    }

    [Fact]
    public void An_unlimited_uplink_leaves_only_each_node_s_own_link()
    {
        Assert.Equal(0.5 + 1.62, Run(shared: false).MeanStepSeconds, 9);
    }
}
