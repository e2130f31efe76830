using Mixtral.Cluster.Hosting;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>The `network` setting (flag --network) reaches the node's settings as an emulated link, or stops the node naming the flag.</summary>
public sealed class NodeNetworkOptionTests
{
    private static NodeOptions Options(string? network)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["model"] = FixturePaths.TinyMixtral, ["node_name"] = "local" };
        if (network is not null) flags["network"] = network;
        return NodeConfiguration.Load(null, flags);
    }

    [Fact]
    public void A_network_preset_becomes_the_link_to_every_other_node_and_none_means_no_emulation()
    {
        var settings = NodeStartupCheck.Resolve(Options("10gbe"));
        var link = settings.Network!.LinkTo("gpu1")!;
        Assert.Equal(25e-6, link.LatencySeconds);
        Assert.Equal(0.9 * 10e9 / 8, link.BytesPerSecond);
        Assert.Null(NodeStartupCheck.Resolve(Options(null)).Network);
    }

    [Fact]
    public void A_bad_network_stops_the_node_naming_the_flag()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(Options("3gbe")));
        Assert.StartsWith("--network \"3gbe\": unknown network preset", e.Message, StringComparison.Ordinal);
    }
}
