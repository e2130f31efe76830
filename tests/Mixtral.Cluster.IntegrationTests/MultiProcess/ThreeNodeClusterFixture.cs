using System.Globalization;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// A real cluster: redis-server on a free loopback port and three `mixtral node` processes: "coord"
/// (coordinator only) and "a", "b" (experts only, four experts of every layer each, round-robin), serving the
/// tiny fixture model with f32 on the wire. The test process connects as an Orleans client.
/// </summary>
public sealed class ThreeNodeClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mixtral-cluster-{Guid.NewGuid():N}");
    private readonly List<NodeProcess> _nodes = [];
    private RedisServer? _redis;

    public static string MixtralDll => Path.Combine(AppContext.BaseDirectory, "mixtral.dll");
    public MixtralConfig Config { get; } = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    public PlacementPlan Plan { get; private set; } = null!;
    public string PlanPath => Path.Combine(_dir, "plan.json");
    public string Gateway { get; private set; } = "";
    public MixtralClusterClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        Plan = new RoundRobinStrategy().Place(Config,
            [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)]);
        await File.WriteAllTextAsync(PlanPath, Plan.ToJson());
        _redis = await RedisServer.StartAsync();

        foreach (var node in Plan.Nodes)
        {
            int silo = FreePort.Next(), gateway = FreePort.Next();
            if (node.Name == "coord") Gateway = $"127.0.0.1:{gateway}";
            _nodes.Add(NodeProcess.Start(node.Name, MixtralDll,
            [
                "node", "--model", FixturePaths.TinyMixtral, "--node-name", node.Name, "--role", node.Role.ToString().ToLowerInvariant(),
                "--plan", PlanPath, "--redis", _redis.Endpoint, "--silo-port", Port(silo), "--gateway-port", Port(gateway),
                "--wire-dtype", "f32", "--threads", "1",
            ]));
        }
        await Task.WhenAll(_nodes.Select(n => n.WaitForLineAsync($"node {n.Name} ready", StartTimeout)));
        Client = await MixtralClusterClient.ConnectAsync(Gateway);
    }

    public NodeProcess Node(string name) => _nodes.First(n => n.Name == name);

    public async Task DisposeAsync()
    {
        if (Client is not null) await Client.DisposeAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
