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
    private readonly Dictionary<string, string[]> _commands = new(StringComparer.Ordinal);
    private readonly List<string> _gateways = [];
    private string _planPath = "";
    private string _model = "";
    private RedisServer? _redis;

    public static string MixtralDll => Path.Combine(AppContext.BaseDirectory, "mixtral.dll");
    public string Gateway { get; private set; } = "";
    /// <summary>Every node's gateway, the coordinator's first, as the client's --cluster takes them (HOST:PORT,HOST:PORT).</summary>
    public string Gateways => string.Join(',', _gateways.OrderBy(g => g == Gateway ? 0 : 1));
    public MixtralClusterClient Client { get; private set; } = null!;
    public NodeProcess Node(string name) => _nodes.First(n => n.Name == name);
    public IReadOnlyList<string> NodeNames => [.. _nodes.Select(n => n.Name)];

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
            string planPath = cluster._planPath = Path.Combine(cluster._dir, "plan.json");
            cluster._model = model;
            await File.WriteAllTextAsync(planPath, plan.ToJson());
            cluster._redis = await RedisServer.StartAsync();
            foreach (var node in plan.Nodes)
            {
                int silo = FreePort.Next(), gateway = FreePort.Next();
                if (node.HostsSharedWeights && cluster.Gateway.Length == 0) cluster.Gateway = $"127.0.0.1:{gateway}";
                cluster.GatewayPorts[node.Name] = gateway;
                cluster.Launch(node.Name, gateway,
                [
                    "node", "--model", model, "--node-name", node.Name, "--role", node.Role.ToString().ToLowerInvariant(),
                    "--plan", planPath, "--redis", cluster._redis.Endpoint, "--silo-port", Port(silo), "--gateway-port", Port(gateway),
                    .. argsFor(node),
                ]);
            }
            await Task.WhenAll(cluster._nodes.Select(n => n.WaitForLineAsync($"node {n.Name} ready", TimeSpan.FromMinutes(5))));
            // The coordinator's gateway only: Orleans spreads a client's calls over every gateway it knows, so a client
            // that knows a node a test freezes would see some calls wait out the response timeout. Tests of losing the
            // coordinator connect a client of their own to all of them (Gateways).
            cluster.Client = await MixtralClusterClient.ConnectAsync(new ClusterConnectionOptions { Gateway = cluster.Gateway, Tls = clientTls });
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more node, in no plan, with --standby: it holds nothing until a plan node is gone.</summary>
    public async Task<NodeProcess> AddStandbyAsync(string name, IEnumerable<string> extraArgs)
    {
        int silo = FreePort.Next(), gateway = FreePort.Next();
        var node = Launch(name, gateway,
        [
            "node", "--model", _model, "--node-name", name, "--standby", "--plan", _planPath, "--redis", _redis!.Endpoint,
            "--silo-port", Port(silo), "--gateway-port", Port(gateway), .. extraArgs,
        ]);
        await node.WaitForLineAsync($"node {name} ready", TimeSpan.FromMinutes(5));
        return node;
    }

    /// <summary>kill -9 of a node: no goodbye to the cluster, which has to notice by itself.</summary>
    public ValueTask KillAsync(string name) => Node(name).DisposeAsync();

    /// <summary>Starts a killed node again with exactly its original command (same ports, plan, flags), and waits until it is ready.</summary>
    public async Task<NodeProcess> RestartAsync(string name)
    {
        var old = Node(name);
        if (!old.HasExited) throw new InvalidOperationException($"node {name} is still running; kill it first");
        _nodes.Remove(old);
        var node = NodeProcess.Start(name, MixtralDll, _commands[name]);
        _nodes.Add(node);
        await node.WaitForLineAsync($"node {name} ready", TimeSpan.FromMinutes(5));
        return node;
    }

    private NodeProcess Launch(string name, int gateway, string[] command)
    {
        _commands[name] = command;
        _gateways.Add($"127.0.0.1:{gateway}");
        var node = NodeProcess.Start(name, MixtralDll, command);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Set to a folder, every node's output is written there as NAME.log when the cluster is disposed (for a failing test).</summary>
    public const string LogFolderVariable = "MIXTRAL_CLUSTER_LOGS";

    public async ValueTask DisposeAsync()
    {
        if (Client is not null) await Client.DisposeAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        if (Environment.GetEnvironmentVariable(LogFolderVariable) is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
            foreach (var node in _nodes) await File.WriteAllTextAsync(Path.Combine(logs, $"{node.Name}.log"), node.Output);
        }
        if (_redis is not null) await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
