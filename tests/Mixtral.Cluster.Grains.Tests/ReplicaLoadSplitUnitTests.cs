using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Experts;

namespace Mixtral.Cluster.Grains.Tests;

public sealed class ReplicaLoadSplitUnitTests
{
    private static PlacementPlan PlanWith(params ExpertAssignment[] experts) =>
        new(new ModelIdentity("m", 1, 2), "test", [new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)], experts);

    [Fact]
    public async Task Rows_are_split_by_share_and_a_failed_node_s_copy_takes_none_until_it_is_trusted_again()
    {
        using var health = new NodeHealth(new ExpertCallOptions { BreakerBreakDuration = TimeSpan.FromMinutes(5), BreakerSamplingDuration = TimeSpan.FromMinutes(1) });
        var split = new ReplicaLoadSplit(PlanWith(new ExpertAssignment(0, 0, ["a", "b"], [0.75, 0.25])), health);
        var parts = split.Split(0, 0, 8)!;
        Assert.Equal([6, 2], parts.Select(p => p.Rows.Length));
        Assert.Equal(Enumerable.Range(0, 8), parts.SelectMany(p => p.Rows).Order());
        await NodeHealthTests.FailAsync(health, "a");
        var onlyB = split.Split(0, 0, 8)!;
        Assert.Equal(1, Assert.Single(onlyB).Replica);
        Assert.Equal(8, onlyB[0].Rows.Length);
    }

    [Fact]
    public void Experts_without_shares_or_with_one_copy_stay_one_call()
    {
        using var health = new NodeHealth(new ExpertCallOptions());
        var split = new ReplicaLoadSplit(PlanWith(new ExpertAssignment(0, 0, ["a", "b"]), new ExpertAssignment(0, 1, ["a"], [1.0])), health);
        Assert.Null(split.Split(0, 0, 8));
        Assert.Null(split.Split(0, 1, 8));
        Assert.Null(split.ReplicaForOneRow(0, 0));
    }

    [Theory]
    [InlineData(WireDType.Float32)]
    [InlineData(WireDType.BFloat16)]
    public void Taking_rows_apart_and_merging_the_answers_puts_every_row_back_in_place(WireDType dtype)
    {
        const int rows = 5, hidden = 3;
        float[] values = [.. Enumerable.Range(0, rows * hidden).Select(i => (float)i)]; // small integers: exact in bf16
        var batch = HiddenStateBatch.Encode(values, rows, hidden, dtype);
        ReplicaRows[] parts = [new(0, [0, 2, 3]), new(1, [1, 4])];
        var answers = parts.Select(p => ReplicaLoadSplit.Take(batch, p.Rows)).ToArray();
        Assert.Equal([0, 1, 2, 6, 7, 8, 9, 10, 11], answers[0].Decode());
        var merged = ReplicaLoadSplit.Merge(rows, hidden, parts, answers);
        Assert.Equal(values, merged.Decode());
        Assert.Equal(dtype, merged.DType);
    }
}
