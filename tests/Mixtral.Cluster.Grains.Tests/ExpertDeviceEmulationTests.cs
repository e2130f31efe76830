using System.Diagnostics;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Experts;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>Three silos, round-robin plan (expert e of a layer on node e mod 3), every node emulating a slow device:
/// 7.04643072 GB/s reads a Mixtral-8x7B bf16 expert (352,321,536 bytes) in 50 ms; 1 TFLOP/s adds 0.35 ms per row.</summary>
public sealed class SlowDeviceCluster : TinySiloCluster<SlowDeviceCluster.NodeConfigurator>
{
    public const string Device = "7.04643072/1";

    public sealed class NodeConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMixtralNode(name => InProcessClusterFixture.TinyNode(name) with { EmulatedDevice = ExpertDeviceEmulation.Parse(Device) });
        }
    }
}

public sealed class ExpertDeviceEmulationTests(SlowDeviceCluster fixture, ITestOutputHelper output) : IClassFixture<SlowDeviceCluster>
{
    private const double CallMs = 50.0; // 352,321,536 B ÷ 7.04643072 GB/s
    private const double RowMs = 0.352321536; // 352,321,536 FLOPs ÷ 1 TFLOP/s

    private IExpertGrain Expert(int e) => fixture.Cluster.GrainFactory.GetGrain<IExpertGrain>(new ExpertKey(0, e).ToString());

    private static HiddenStateBatch Rows(int n) => HiddenStateBatch.Encode(Enumerable.Range(0, n * 128).Select(i => (i % 7) * 0.01f).ToArray(), n, 128, WireDType.Float32);

    /// <summary>Milliseconds until every call of <paramref name="experts"/> (each with <paramref name="rows"/> rows) has answered.</summary>
    private async Task<double> ConcurrentCallsMs(int rows, params int[] experts)
    {
        // Activated, weights loaded and the call path's code compiled before the clock starts (a first call pays for all that).
        foreach (int e in experts) await Expert(e).RunAsync(Rows(rows));
        long start = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(experts.Select(e => Expert(e).RunAsync(Rows(rows))));
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        Assert.All(answers, a => Assert.Equal((rows, 128), (a.Rows, a.HiddenSize)));
        return ms;
    }

    [Fact]
    public void The_device_time_is_a_Mixtral_expert_read_plus_its_rows_FLOPs()
    {
        var cpu = ExpertDeviceEmulation.Parse("cpu");
        Assert.Equal(352_321_536 / 40e9 + 3 * 352_321_536 / 0.116e12, cpu.CallTime(3).TotalSeconds, 6); // TimeSpan keeps 100 ns
        var slow = ExpertDeviceEmulation.Parse(SlowDeviceCluster.Device);
        Assert.Equal(CallMs + 10 * RowMs, slow.CallTime(10).TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("1/2/3")]
    [InlineData("0/1")]
    public void A_bad_device_spec_names_the_flag(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => ExpertDeviceEmulation.Parse(spec));
        Assert.StartsWith($"--emulate-device \"{spec}\": unknown node model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expert_call_takes_at_least_its_device_time()
    {
        double ms = await ConcurrentCallsMs(8, 1);
        output.WriteLine($"1 call of 8 rows: {ms:F1} ms (device {CallMs + 8 * RowMs:F1} ms)");
        Assert.True(ms >= CallMs + 8 * RowMs, $"the call took {ms:F1} ms, less than its emulated {CallMs + 8 * RowMs:F1} ms");
    }

    [Fact]
    public async Task Calls_to_one_node_queue_for_its_device_while_nodes_run_side_by_side()
    {
        // Experts 1, 4, 7 of layer 0 share one node: their calls run one after another on its device.
        double oneNode = await ConcurrentCallsMs(1, 1, 4, 7);
        // Experts 0, 1, 2 are on three nodes: each node's device takes one call, at the same time. The best of up to three
        // tries: with other test classes' clusters busy on two cores, the thread pool can hold the three timers'
        // continuations back (once: 147.9 ms against 151.7 ms on one node); running side by side means a try shows it.
        double threeNodes = double.MaxValue;
        for (int attempt = 0; attempt < 3 && !(threeNodes < oneNode * 0.75); attempt++)
            threeNodes = Math.Min(threeNodes, await ConcurrentCallsMs(1, 0, 1, 2));
        output.WriteLine($"3 calls on one node: {oneNode:F1} ms; 3 calls on three nodes: {threeNodes:F1} ms");
        Assert.True(oneNode >= 3 * (CallMs + RowMs), $"3 calls on one node took {oneNode:F1} ms: they did not queue for its device");
        Assert.True(threeNodes >= CallMs + RowMs, $"3 calls on three nodes took {threeNodes:F1} ms, less than one call's device time");
        Assert.True(threeNodes < oneNode * 0.75, $"3 calls on three nodes took {threeNodes:F1} ms against {oneNode:F1} ms on one: the nodes' devices did not run side by side");
    }
}
