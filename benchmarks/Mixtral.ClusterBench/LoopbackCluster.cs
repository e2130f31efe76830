using System.Globalization;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Mixtral.Testing;

namespace Mixtral.ClusterBench;

/// <summary>redis-server plus three `mixtral node` processes on loopback: a coordinator and two expert nodes (round-robin).</summary>
public sealed class LoopbackCluster : IAsyncDisposable
{
    private readonly List<NodeProcess> _nodes = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("mixtral-bench-").FullName;
    private RedisServer? _redis;

    public MixtralClusterClient Client { get; private set; } = null!;

    public static async Task<LoopbackCluster> StartAsync(string model, MixtralConfig config, int threads, int expertThreads, string wire)
    {
        var cluster = new LoopbackCluster();
        var plan = new RoundRobinStrategy().Place(config,
            [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)]);
        string planPath = Path.Combine(cluster._dir, "plan.json");
        await File.WriteAllTextAsync(planPath, plan.ToJson());
        cluster._redis = await RedisServer.StartAsync();
        string dll = Path.Combine(AppContext.BaseDirectory, "mixtral.dll");
        string gateway = "";
        foreach (var node in plan.Nodes)
        {
            int silo = FreePort.Next(), port = FreePort.Next();
            if (node.HostsSharedWeights) gateway = $"127.0.0.1:{port}";
            cluster._nodes.Add(NodeProcess.Start(node.Name, dll,
            [
                "node", "--model", model, "--node-name", node.Name, "--plan", planPath, "--redis", cluster._redis.Endpoint,
                "--silo-port", silo.ToString(CultureInfo.InvariantCulture), "--gateway-port", port.ToString(CultureInfo.InvariantCulture),
                "--threads", (node.HostsSharedWeights ? threads : expertThreads).ToString(CultureInfo.InvariantCulture), "--wire-dtype", wire,
            ]));
        }
        await Task.WhenAll(cluster._nodes.Select(n => n.WaitForLineAsync($"node {n.Name} ready", TimeSpan.FromMinutes(5))));
        cluster.Client = await MixtralClusterClient.ConnectAsync(gateway);
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null) await Client.DisposeAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
