namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>The node's HTTP API settings (http_port, http_host): off and loopback by default, set by any configuration layer.</summary>
public sealed class NodeHttpOptionsTests
{
    [Fact]
    public void No_http_api_by_default_and_loopback_when_on()
    {
        var options = NodeConfiguration.Load(null, new Dictionary<string, string?>());
        Assert.Null(options.HttpPort);
        Assert.Equal("127.0.0.1", options.HttpHost);
    }

    [Fact]
    public void Http_port_and_host_come_from_flags()
    {
        var options = NodeConfiguration.Load(null, new Dictionary<string, string?> { ["http_port"] = "8081", ["http_host"] = "0.0.0.0" });
        Assert.Equal(8081, options.HttpPort);
        Assert.Equal("0.0.0.0", options.HttpHost);
    }
}
