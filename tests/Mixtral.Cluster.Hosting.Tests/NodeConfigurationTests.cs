using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Hosting;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>A node's settings layer file → environment → flags, and every bad setting is named before anything starts.</summary>
public sealed class NodeConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mixtral-node-config-").FullName;

    private string File(string json)
    {
        string path = Path.Combine(_dir, $"node-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    private static Dictionary<string, string?> Flags(params (string Key, string Value)[] flags) =>
        flags.ToDictionary(f => f.Key, f => (string?)f.Value, StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void Defaults_are_loopback_f32_wire_and_the_documented_ports()
    {
        var options = NodeConfiguration.Load(null, Flags());
        Assert.Equal("127.0.0.1", options.Address);
        Assert.Equal("f32", options.WireDType);
        Assert.Equal((11111, 30000), (options.SiloPort, options.GatewayPort));
    }

    [Fact]
    public void Flags_override_the_environment_which_overrides_the_file()
    {
        string file = File("""{"model": "/m", "node_name": "from-file", "silo_port": 2001, "gateway_port": 3001, "wire_dtype": "bf16"}""");
        Environment.SetEnvironmentVariable("MIXTRAL_NODE_SILO_PORT", "2002");
        Environment.SetEnvironmentVariable("MIXTRAL_NODE_GATEWAY_PORT", "3002");
        try
        {
            var options = NodeConfiguration.Load(file, Flags(("gateway_port", "3003")));
            Assert.Equal("from-file", options.NodeName);
            Assert.Equal("bf16", options.WireDType);
            Assert.Equal(2002, options.SiloPort);
            Assert.Equal(3003, options.GatewayPort);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MIXTRAL_NODE_SILO_PORT", null);
            Environment.SetEnvironmentVariable("MIXTRAL_NODE_GATEWAY_PORT", null);
        }
    }

    [Fact]
    public void Unknown_keys_are_named()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(File("""{"model": "x", "gpu_count": 2}"""), Flags()));
        Assert.Contains("gpu_count", e.Message);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_key()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(File("""{"silo_port": "eleven"}"""), Flags()));
        Assert.Contains("silo_port", e.Message);
    }

    [Fact]
    public void A_missing_or_broken_file_is_named()
    {
        Assert.Contains("not found", Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(Path.Combine(_dir, "none.json"), Flags())).Message);
        Assert.Contains("--config", Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(File("{ not json"), Flags())).Message);
    }

    [Theory]
    [InlineData("silo_port", "0", "--silo-port must be a port number in 1..65535, got 0")]
    [InlineData("gateway_port", "70000", "--gateway-port must be a port number in 1..65535, got 70000")]
    [InlineData("gateway_port", "11111", "--silo-port and --gateway-port are both 11111")]
    [InlineData("wire_dtype", "int8", "--wire-dtype: \"int8\" is not one of f32, bf16, f16")]
    [InlineData("dtype", "f64", "--dtype: \"f64\" is not one of f32, bf16, f16")]
    [InlineData("role", "boss", "--role: role \"boss\" is not coordinator, experts or all")]
    [InlineData("expert_call_timeout", "0", "--expert-call-timeout must be a positive number of seconds")]
    [InlineData("memory_gb", "-1", "--memory must be a positive number of GB")]
    [InlineData("max_batch_sequences", "0", "--max-batch-sequences must be at least 1")]
    [InlineData("max_queued_requests", "-1", "--max-queued-requests must be at least 0")]
    [InlineData("threads", "0", "--threads must be at least 1")]
    public void Bad_settings_stop_the_node_naming_the_flag(string key, string value, string message)
    {
        var options = NodeConfiguration.Load(null, Flags(("model", FixturePaths.TinyMixtral), ("node_name", "local"), (key, value)));
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(options));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Model_and_node_name_are_required()
    {
        var e = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(NodeConfiguration.Load(null, Flags())));
        Assert.Contains("--model is required", e.Message);
        Assert.Contains("MIXTRAL_NODE_MODEL", e.Message);
    }

    [Fact]
    public void Engine_limits_and_wire_reach_the_node_settings()
    {
        var options = NodeConfiguration.Load(null, Flags(("model", FixturePaths.TinyMixtral), ("node_name", "local"),
            ("max_batch_sequences", "5"), ("max_prefill_tokens", "77"), ("max_queued_requests", "9"), ("wire_dtype", "f16")));
        var settings = NodeStartupCheck.Resolve(options);
        Assert.Equal(5, settings.Engine.MaxBatchSequences);
        Assert.Equal(77, settings.Engine.MaxPrefillTokensPerStep);
        Assert.Equal(9, settings.Engine.MaxQueuedRequests);
        Assert.Equal(WireDType.Float16, settings.WireDType);
        Assert.Equal(WireDType.Float32, NodeStartupCheck.Resolve(options with { WireDType = new NodeOptions().WireDType }).WireDType);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
