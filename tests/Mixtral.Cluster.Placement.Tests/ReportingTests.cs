using Mixtral.Model.Config;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Reporting;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Cluster.Placement.Strategies;

namespace Mixtral.Cluster.Placement.Tests;

public class ReportingTests
{
    private static IEnumerable<ExpertKey> Keys(IEnumerable<int> layers, params int[] experts) =>
        from l in layers from e in experts select new ExpertKey(l, e);

    [Fact]
    public void Expert_ranges_merge_layers_and_runs_of_experts()
    {
        Assert.Equal("L0-31: E0,E3", ExpertRangeText.Format(Keys(Enumerable.Range(0, 32), 3, 0)));
        Assert.Equal("L0-15: E0-3; L16-31: E4-7",
            ExpertRangeText.Format([.. Keys(Enumerable.Range(0, 16), 0, 1, 2, 3), .. Keys(Enumerable.Range(16, 16), 4, 5, 6, 7)]));
        Assert.Equal("L0: E1; L2: E1", ExpertRangeText.Format(Keys([2, 0], 1)));
        Assert.Equal("L5: E0,E1,E4-7", ExpertRangeText.Format(Keys([5], 0, 1, 4, 5, 6, 7)));
        Assert.Equal("-", ExpertRangeText.Format([]));
    }

    /// <summary>Real 8x7B, round-robin on a (all, 40 GB), b and c (experts, no budget), bf16.</summary>
    private static PlanFootprint RealFootprint()
    {
        NodeCapacity[] nodes =
        [
            new("a", NodeRole.All, 40_000_000_000, ComputeDevice.Cuda),
            new("b", NodeRole.Experts, Device: ComputeDevice.Cuda),
            new("c", NodeRole.Experts, 20_000_000_000),
        ];
        return PlanFootprint.Compute(new RoundRobinStrategy().Place(Models.Real8x7B, nodes), Models.Real8x7B, Precision.BFloat16);
    }

    [Fact]
    public void Text_table_lists_each_node_with_its_experts_and_gigabytes()
    {
        string[][] rows = PlanTable.Render(RealFootprint()).Split('\n')
            .Select(line => Regex.Split(line.Trim(), " {2,}"))
            .ToArray();

        // Expected GB from the fixture README's byte counts: 352,321,536 per expert-layer, 3,211,272,192 shared.
        Assert.Contains(["a", "all", "cuda", "L0-31: E0,E3,E6", "96", "33.82", "3.21", "37.03", "40.00"], rows);
        Assert.Contains(["b", "experts", "cuda", "L0-31: E1,E4,E7", "96", "33.82", "-", "33.82", "-"], rows);
        Assert.Contains(["c", "experts", "cpu", "L0-31: E2,E5", "64", "22.55", "-", "22.55", "20.00", "OVER"], rows);
        Assert.Contains(["total", "256", "90.19", "3.21", "93.41"], rows);
    }

    [Fact]
    public void Json_report_carries_exact_bytes()
    {
        using var report = JsonDocument.Parse(PlanReport.From(RealFootprint()).ToJson());
        var root = report.RootElement;
        Assert.Equal(93_405_585_408, root.GetProperty("total_bytes").GetInt64());
        Assert.Equal(352_321_536, root.GetProperty("bytes_per_expert").GetInt64());
        Assert.Equal(3_211_272_192, root.GetProperty("shared_bytes").GetInt64());
        Assert.Equal("bf16", root.GetProperty("dtype").GetString());

        var a = root.GetProperty("nodes")[0];
        Assert.Equal("L0-31: E0,E3,E6", a.GetProperty("experts").GetString());
        Assert.Equal(37_034_139_648, a.GetProperty("total_bytes").GetInt64());
        Assert.False(a.GetProperty("over_budget").GetBoolean());
        Assert.True(root.GetProperty("nodes")[2].GetProperty("over_budget").GetBoolean());
    }

    [Fact]
    public void Small_models_are_sized_in_megabytes()
    {
        var plan = new RoundRobinStrategy().Place(Models.Tiny, [new NodeCapacity("a", NodeRole.All), new NodeCapacity("b", NodeRole.Experts)]);
        string table = PlanTable.Render(PlanFootprint.Compute(plan, Models.Tiny, Precision.BFloat16));
        Assert.Contains("expert MB", table);
        // One expert of one layer: 3 matrices of 128 × 256 in bf16 = 196,608 B; b holds 4 experts × 4 layers.
        Assert.Matches(@"\nb +experts +cpu +L0-3: E1,E3,E5,E7 +16 +3\.15 ", table);
        Assert.Contains("MB = 10^6 bytes", table);
    }
}
