using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Grains.Network;
using Mixtral.Cluster.Placement.Simulation;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>Three silos, round-robin plan; the coordinator's node ("Primary") emulates 1 GbE to the other two.</summary>
public sealed class OneGbeCluster : TinySiloCluster<OneGbeCluster.NodeConfigurator>
{
    public sealed class NodeConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMixtralNode(name => InProcessClusterFixture.TinyNode(name) with { Network = name == "Primary" ? NetworkEmulation.Parse("1gbe") : null });
        }
    }
}

public sealed class NetworkEmulationTests(OneGbeCluster fixture, ITestOutputHelper output) : IClassFixture<OneGbeCluster>
{
    [Fact]
    public async Task A_fan_out_to_other_nodes_takes_at_least_the_emulated_link_time_and_local_calls_pay_nothing()
    {
        const int rows = 2048; // 1 MiB of f32 rows each way at hidden 128
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        var plan = InProcessClusterFixture.Plan(fixture.Config);
        var link = LinkModel.Preset("1gbe");
        double bytes = rows * fixture.Config.HiddenSize * 4.0;

        // All 8 experts of layer 0 at once: the copies on one remote node queue for its link, so the last answer from the
        // node with m experts arrives no sooner than m requests and one answer on the wire, plus latency both ways.
        var owners = Enumerable.Range(0, fixture.Config.NumLocalExperts).Select(e => plan.OwnersOf(0, e)[0]).ToList();
        int busiest = owners.Where(n => n != "Primary").GroupBy(n => n).Max(g => g.Count());
        double boundMs = ((busiest + 1) * bytes / link.BytesPerSecond + 2 * link.LatencySeconds) * 1e3;
        var all = await coordinator.ProbeFanOutAsync(fixture.Config.NumLocalExperts, rows, 5);
        output.WriteLine($"8 experts × {rows} rows over emulated {link}: p50 {all.P50Ms:F2} ms, lower bound {boundMs:F2} ms");
        Assert.True(all.P50Ms >= boundMs && all.P99Ms >= boundMs, $"emulated fan-out took {all.P50Ms:F2} ms (p50), less than the link's {boundMs:F2} ms");

        // Expert 0 of layer 0 lives on the coordinator's own node: no link, so no delay (and the bound above is not trivial).
        Assert.Equal("Primary", owners[0]);
        var local = await coordinator.ProbeFanOutAsync(1, rows, 5);
        output.WriteLine($"1 local expert × {rows} rows: p50 {local.P50Ms:F2} ms");
        Assert.True(local.P50Ms < boundMs / 2, $"a call to the coordinator's own node took {local.P50Ms:F2} ms: it should not be delayed");
    }

    [Theory]
    [InlineData("10gbe")]
    [InlineData("gpu1=1gbe, gpu2=25gbe")]
    public void Network_specs_name_a_preset_for_all_nodes_or_per_node(string spec)
    {
        var network = NetworkEmulation.Parse(spec);
        Assert.NotNull(network.LinkTo(spec.Contains('=', StringComparison.Ordinal) ? "gpu1" : "any"));
        if (spec.Contains('=', StringComparison.Ordinal)) Assert.Null(network.LinkTo("gpu3"));
    }

    [Theory]
    [InlineData("2gbe")]
    [InlineData("gpu1:1gbe")]
    public void A_bad_network_spec_names_the_flag(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => NetworkEmulation.Parse(spec));
        Assert.StartsWith("--network", e.Message, StringComparison.Ordinal);
    }
}
