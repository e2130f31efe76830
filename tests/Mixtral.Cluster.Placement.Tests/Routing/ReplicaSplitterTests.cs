using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cluster.Placement.Tests.Routing;

public sealed class ReplicaSplitterTests
{
    private static int[] Split(ExpertAssignment a, int rows, Func<string, bool>? live = null)
    {
        var splitter = new ReplicaSplitter();
        var counts = new int[a.Nodes.Count];
        for (int i = 0; i < rows; i++) counts[splitter.Next(a, live)]++;
        return counts;
    }

    [Fact]
    public void Rows_follow_the_plan_weights_within_one_row_over_any_prefix()
    {
        var a = new ExpertAssignment(0, 3, ["a", "b", "c"], [0.5, 0.3, 0.2]);
        var splitter = new ReplicaSplitter();
        var counts = new int[3];
        for (int i = 1; i <= 1000; i++)
        {
            counts[splitter.Next(a)]++;
            for (int r = 0; r < 3; r++) Assert.True(Math.Abs(counts[r] - i * a.Weights![r]) < 1.0, $"after {i} rows copy {r} has {counts[r]}");
        }
        Assert.Equal([500, 300, 200], counts);
    }

    [Fact]
    public void A_dead_copys_share_goes_to_the_live_copies_in_proportion()
    {
        var a = new ExpertAssignment(0, 3, ["a", "b", "c"], [0.5, 0.3, 0.2]);
        Assert.Equal([0, 600, 400], Split(a, 1000, node => node != "a"));
        Assert.Equal(-1, new ReplicaSplitter().Next(a, _ => false));
    }

    [Fact]
    public void Without_weights_the_first_live_copy_takes_every_row()
    {
        var a = new ExpertAssignment(0, 3, ["a", "b"]);
        Assert.Equal([10, 0], Split(a, 10));
        Assert.Equal([0, 10], Split(a, 10, node => node == "b"));
    }
}
