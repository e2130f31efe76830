using System.Text.Json.Nodes;

namespace Mixtral.Cli.Tests;

/// <summary>
/// Security settings through the real program: an HTTP API that would be reachable from other machines without API
/// keys is refused before anything listens; TLS flags that cannot work are named; a plan file naming two coordinators
/// stops a node.
/// </summary>
public sealed class SecurityFlagTests
{
    public static TheoryData<string[], string, int> Refusals => new()
    {
        { ["serve", "--model", Cli.TinyModel, "--host", "0.0.0.0"],
            "--host 0.0.0.0 opens the HTTP API to other machines: give API keys (--api-key-file FILE, or MIXTRAL_API_KEYS=KEY1,KEY2), or keep it on 127.0.0.1", 2 },
        { ["serve", "--model", Cli.TinyModel, "--api-key-file", "/nowhere/keys.txt"], "--api-key-file: /nowhere/keys.txt not found", 2 },
        { ["serve", "--model", Cli.TinyModel, "--tls-key", "/nowhere/server.key"], "--tls-key needs --tls-certificate", 2 },
        { ["serve", "--model", Cli.TinyModel, "--tls-certificate", "/nowhere/server.pem"], "--tls-certificate: /nowhere/server.pem not found", 2 },
        { ["node", "--model", Cli.TinyModel, "--node-name", "local", "--http-port", "18089", "--http-host", "0.0.0.0"],
            "--http-host 0.0.0.0 opens the HTTP API to other machines: give API keys (--api-key-file FILE, or api_keys / MIXTRAL_NODE_API_KEYS)", 2 },
        { ["node", "--model", Cli.TinyModel, "--node-name", "local", "--tls-ca", "/nowhere/ca.pem"],
            "--tls-key, --tls-ca and --tls-peer-thumbprints need --tls-certificate (this node's certificate)", 2 },
        { ["node", "--model", Cli.TinyModel, "--node-name", "local", "--tls-certificate", "/nowhere/node.pem"], "--tls-certificate: /nowhere/node.pem not found", 2 },
        { ["cluster", "status", "--cluster", "127.0.0.1:9", "--tls-ca", "/nowhere/ca.pem"],
            "--tls-key, --tls-ca and --tls-peer-thumbprints need --tls-certificate (this client's certificate)", 2 },
        { ["generate", "--cluster", "127.0.0.1:9", "--prompt", "Hi", "--tls-certificate", "/nowhere/client.pem", "--tls-ca", "/nowhere/ca.pem"],
            "--tls-certificate: /nowhere/client.pem not found", 1 },
        { ["stats", "--cluster", "127.0.0.1:9", "--cluster-id", ""], "--cluster-id must not be empty", 2 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_setting_that_cannot_be_secure_is_refused_naming_it(string[] args, string message, int exitCode) =>
        BadFlagTests.AssertUsageError(await Cli.RunAsync(args), message, exitCode);

    [Fact]
    public async Task A_node_refuses_a_plan_file_with_two_coordinators()
    {
        string folder = Directory.CreateTempSubdirectory("mixtral-two-coordinators-").FullName;
        try
        {
            string plan = Path.Combine(folder, "plan.json");
            var made = await Cli.RunAsync("plan", "--model", Cli.TinyModel, "--nodes", "a:coordinator,b,c", "--out", plan);
            Assert.True(made.ExitCode == 0, made.ToString());
            var json = JsonNode.Parse(File.ReadAllText(plan))!;
            json["nodes"]![1]!["role"] = "all"; // "b" too: the plan was edited by hand
            File.WriteAllText(plan, json.ToJsonString());
            BadFlagTests.AssertUsageError(await Cli.RunAsync("node", "--model", Cli.TinyModel, "--node-name", "a", "--plan", plan),
                "only one node may be the coordinator (role coordinator or all), got 2: \"a\" (coordinator), \"b\" (all)", exitCode: 1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
