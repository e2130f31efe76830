using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Hosting;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>
/// Property tests over node configuration files (CsCheck; hand-written cases are in <see cref="NodeConfigurationTests"/>):
/// any known or unknown key with any JSON value, read and then checked as a node starting would. The node either
/// starts with settings that hold its invariants, or a configuration, plan or model error says what is wrong; no
/// other exception escapes (a binder's or a parser's would reach the operator as a stack trace).
/// </summary>
public sealed class NodeConfigurationFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mixtral-node-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Keys = [.. NodeConfiguration.Keys.Where(k => k != "address"), "gpu_count", "Silo_Port", ""];

    // Addresses are IP literals or localhost only, so the property never waits on a DNS server.
    private static readonly Gen<JsonNode?> Addresses = Gen.OneOf<JsonNode?>(
        Gen.Const<JsonNode?>("127.0.0.1"), Gen.Const<JsonNode?>("8.8.8.8"), Gen.Const<JsonNode?>("0.0.0.0"), Gen.Const<JsonNode?>("::1"),
        Gen.Const<JsonNode?>("localhost"));

    private static readonly Gen<JsonNode?> Values = Gen.OneOf<JsonNode?>(
        Gen.Int.Select(v => (JsonNode?)v), Gen.Int[-2, 70000].Select(v => (JsonNode?)v), Gen.Long.Select(v => (JsonNode?)v),
        Gen.Double.Where(double.IsFinite).Select(v => (JsonNode?)v), Gen.Bool.Select(v => (JsonNode?)v), Gen.Const((JsonNode?)null),
        Gen.String.Select(v => (JsonNode?)v), Gen.Const<JsonNode?>(FixturePaths.TinyMixtral), Gen.Const<JsonNode?>("f32"),
        Gen.Const<JsonNode?>("bf16"), Gen.Const<JsonNode?>("int8"), Gen.Const<JsonNode?>("all"), Gen.Const<JsonNode?>("cuda:7"),
        Gen.Const<JsonNode?>("NaN"), Gen.Const<JsonNode?>("1e400"), Gen.Const<JsonNode?>(new JsonArray(1, 2)), Gen.Const<JsonNode?>(new JsonObject { ["a"] = 1 }));

    private static readonly Gen<(string Key, JsonNode? Value)> Entries = Gen.OneOf(
        Gen.Select(Gen.Int[0, Keys.Length - 1], Values).Select((k, v) => (Keys[k], v)),
        Addresses.Select(a => ("address", a)));

    [Fact]
    public void Any_configuration_file_starts_a_checked_node_or_names_the_problem()
    {
        int files = 0;
        Entries.Array[0, 5].Sample(entries =>
        {
            // A valid base the random entries override: every check is reachable.
            var json = new JsonObject { ["model"] = FixturePaths.TinyMixtral, ["node_name"] = "a" };
            foreach (var (key, value) in entries) json[key] = value?.DeepClone();
            string path = Path.Combine(_dir, $"node-{files++}.json");
            File.WriteAllText(path, json.ToJsonString());
            try
            {
                var options = NodeConfiguration.Load(path, new Dictionary<string, string?>());
                var settings = NodeStartupCheck.Resolve(options);
                Assert.InRange(options.SiloPort, 1, 65535);
                Assert.InRange(options.GatewayPort, 1, 65535);
                Assert.NotEqual(options.SiloPort, options.GatewayPort);
                Assert.True(settings.ExpertCallTimeout > TimeSpan.Zero);
            }
            catch (Exception e) when (e is NodeConfigurationException or PlacementPlanException or ModelFormatException
                                          or DirectoryNotFoundException)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                Assert.DoesNotContain("Exception", e.Message, StringComparison.Ordinal); // no type names from a library
            }
        }, iter: 300);
    }

    [Theory]
    [InlineData("9.39785871522387E+49")] // found by the property above: TimeSpan.FromSeconds overflowed
    [InlineData("86401")]
    [InlineData("1e308")]
    public void An_expert_call_timeout_past_a_day_is_named(string seconds)
    {
        var options = NodeConfiguration.Load(null, new Dictionary<string, string?>
        {
            ["model"] = FixturePaths.TinyMixtral, ["node_name"] = "a", ["expert_call_timeout"] = seconds,
        });
        var error = Assert.Throws<NodeConfigurationException>(() => NodeStartupCheck.Resolve(options));
        Assert.StartsWith("--expert-call-timeout must be a positive number of seconds (at most 86400), got ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    public void Invalid_utf8_in_the_file_is_named(byte[] bad)
    {
        string path = Path.Combine(_dir, "bad-utf8.json");
        byte[] prefix = Encoding.UTF8.GetBytes("{\"node_name\": \"a"), suffix = Encoding.UTF8.GetBytes("\"}");
        File.WriteAllBytes(path, [.. prefix, .. bad, .. suffix]);
        var error = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(path, new Dictionary<string, string?>()));
        Assert.StartsWith($"--config: {path}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dtype")] // found by the property above: a null reference in the dtype parser
    [InlineData("wire_dtype")]
    [InlineData("device")]
    [InlineData("address")]
    [InlineData("cluster_id")]
    public void A_null_for_a_setting_with_a_default_is_named(string key)
    {
        string path = Path.Combine(_dir, "null.json");
        File.WriteAllText(path, $"{{\"model\": \"m\", \"node_name\": \"a\", \"{key}\": null}}");
        var error = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(path, new Dictionary<string, string?>()));
        Assert.StartsWith($"node configuration: {key} must be text, got null", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"model\": ")]
    [InlineData("{\"silo_port\": 1} trailing")]
    public void A_file_that_is_not_a_json_object_is_named(string text)
    {
        string path = Path.Combine(_dir, "not-object.json");
        File.WriteAllText(path, text);
        var error = Assert.Throws<NodeConfigurationException>(() => NodeConfiguration.Load(path, new Dictionary<string, string?>()));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
