using Mixtral.Cluster.Hosting;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>The `emulate_device` setting (flag --emulate-device) reaches the node's settings as an emulated device, or stops the node naming the flag.</summary>
public sealed class NodeEmulatedDeviceOptionTests
{
    private static NodeOptions Options(string? device)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["model"] = FixturePaths.TinyMixtral, ["node_name"] = "local" };
        if (device is not null) flags["emulate_device"] = device;
        return NodeConfiguration.Load(null, flags);
    }

    [Fact]
    public void A_device_preset_becomes_the_nodes_emulated_device_and_none_means_no_emulation()
    {
        var device = NodeStartupCheck.Resolve(Options("cpu")).EmulatedDevice!;
        Assert.Equal(40e9, device.Node.WeightBytesPerSecond);
        Assert.Equal(0.116e12, device.Node.FlopsPerSecond);
        Assert.Null(NodeStartupCheck.Resolve(Options(null)).EmulatedDevice);
    }

    [Theory]
    [InlineData("warp")]
    [InlineData("-1/2")]
    [InlineData("NaN/1")]
    public void A_bad_device_stops_the_node_naming_the_flag(string spec)
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(Options(spec)));
        Assert.StartsWith($"--emulate-device \"{spec}\": unknown node model", e.Message, StringComparison.Ordinal);
    }
}
