using System.Globalization;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Processes;

/// <summary>
/// A real cluster for one plan: redis-server on a free loopback port and one `mixtral node` process per node of
/// the plan (the CLI copied next to the caller), all on loopback; the caller connects to the coordinator's gateway
/// as a client. Used by the multi-process tests and the cluster benchmark alike.
/// </summary>
public sealed class ClusterProcesses : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mixtral-cluster-").FullName;
    private readonly List<NodeProcess> _nodes = [];
    private RedisServer? _redis;

    public static string MixtralDll => Path.Combine(AppContext.BaseDirectory, "mixtral.dll");
    public string Gateway { get; private set; } = "";
    public MixtralClusterClient Client { get; private set; } = null!;
    public NodeProcess Node(string name) => _nodes.First(n => n.Name == name);

    /// <summary>The --gateway-port each node was given.</summary>
    public Dictionary<string, int> GatewayPorts { get; } = [];

    /// <summary>host:port of the cluster's Redis (to start one more node into the cluster).</summary>
    public string RedisEndpoint => _redis!.Endpoint;

    /// <param name="argsFor">Extra `mixtral node` flags for each node of the plan.</param>
    /// <param name="clientTls">The test client's certificates when the nodes require TLS.</param>
    public static async Task<ClusterProcesses> StartAsync(PlacementPlan plan, string model, Func<NodeCapacity, IEnumerable<string>> argsFor,
        Mixtral.Client.Security.ClusterTlsOptions? clientTls = null)
    {
        var cluster = new ClusterProcesses();
        try
        {
            string planPath = Path.Combine(cluster._dir, "plan.json");
            await File.WriteAllTextAsync(planPath, plan.ToJson());
            cluster._redis = await RedisServer.StartAsync();
            foreach (var node in plan.Nodes)
            {
                int silo = FreePort.Next(), gateway = FreePort.Next();
                if (node.HostsSharedWeights) cluster.Gateway = $"127.0.0.1:{gateway}";
                cluster.GatewayPorts[node.Name] = gateway;
                cluster._nodes.Add(NodeProcess.Start(node.Name, MixtralDll,
                [
                    "node", "--model", model, "--node-name", node.Name, "--role", node.Role.ToString().ToLowerInvariant(),
                    "--plan", planPath, "--redis", cluster._redis.Endpoint, "--silo-port", Port(silo), "--gateway-port", Port(gateway),
                    .. argsFor(node),
                ]));
            }
            await Task.WhenAll(cluster._nodes.Select(n => n.WaitForLineAsync($"node {n.Name} ready", TimeSpan.FromMinutes(5))));
            cluster.Client = await MixtralClusterClient.ConnectAsync(new ClusterConnectionOptions { Gateway = cluster.Gateway, Tls = clientTls });
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is not null) await Client.DisposeAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
