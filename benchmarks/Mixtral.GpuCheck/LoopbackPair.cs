using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Orleans.Configuration;

namespace Mixtral.GpuCheck;

/// <summary>
/// Two nodes on loopback in this process, with no Redis: Orleans development clustering, the coordinator's silo being
/// the primary that the expert node joins. Each node is built like `mixtral node` builds one (the same start-up check,
/// <see cref="MixtralGrainsSiloBuilderExtensions.AddMixtralNode(ISiloBuilder, NodeSettings)"/>, warm-up), only the membership
/// provider differs; the two silos talk over TCP on loopback as two machines would.
/// </summary>
public sealed class LoopbackPair : IAsyncDisposable
{
    public const string Coordinator = "coord";
    public const string ExpertNode = "experts";

    private readonly IHost[] _hosts;

    private LoopbackPair(IHost[] hosts, PlacementPlan plan)
    {
        _hosts = hosts;
        Plan = plan;
    }

    public PlacementPlan Plan { get; }
    public IServiceProvider CoordinatorServices => _hosts[0].Services;

    /// <summary>Starts the coordinator (shared weights on <paramref name="coordinatorDevice"/>), then the node holding every expert
    /// (on <paramref name="expertDevice"/>). <paramref name="ports"/>: the coordinator's silo and gateway ports, then the expert node's.</summary>
    public static async Task<LoopbackPair> StartAsync(string model, string coordinatorDevice, string expertDevice, string dtype,
        WireDType wire, string workFolder, IReadOnlyList<int> ports)
    {
        if (ports.Count != 4) throw new ArgumentException("four ports: coordinator silo and gateway, expert node silo and gateway", nameof(ports));
        var config = MixtralConfig.Load(Path.Combine(model, "config.json"));
        var plan = new RoundRobinStrategy().Place(config, [new NodeCapacity(Coordinator, NodeRole.Coordinator), new NodeCapacity(ExpertNode, NodeRole.Experts)]);
        Directory.CreateDirectory(workFolder);
        string planPath = Path.Combine(workFolder, "plan.json");
        await File.WriteAllTextAsync(planPath, plan.ToJson());

        var primary = new IPEndPoint(IPAddress.Loopback, ports[0]);
        // A cluster id of its own: on a shared machine another Mixtral cluster on loopback must never be joined by mistake.
        string clusterId = $"gpucheck-{Guid.NewGuid():N}";
        var hosts = new List<IHost>();
        try
        {
            foreach (var (name, device, silo, gateway) in new[] { (Coordinator, coordinatorDevice, ports[0], ports[1]), (ExpertNode, expertDevice, ports[2], ports[3]) })
            {
                var options = new NodeOptions
                {
                    ModelPath = model, NodeName = name, PlanPath = planPath, SiloPort = silo, GatewayPort = gateway,
                    Device = device, DType = dtype, WireDType = wire.ShortName(), ClusterId = clusterId,
                };
                var host = Build(options, NodeStartupCheck.Resolve(options), primary);
                hosts.Add(host);
                await host.StartAsync();
            }
        }
        catch
        {
            foreach (var h in Enumerable.Reverse(hosts)) await StopAsync(h);
            throw;
        }
        return new LoopbackPair([.. hosts], plan);
    }

    /// <summary>Four loopback ports nobody listens on now (the OS picks them).</summary>
    public static int[] FreePorts()
    {
        var listeners = Enumerable.Range(0, 4).Select(_ => new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var l in listeners) l.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }

    private static IHost Build(NodeOptions options, NodeSettings settings, IPEndPoint primary)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, NodeHost.ServiceId, options.ClusterId);
            silo.Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = NodeHost.ServiceId; });
            silo.AddMixtralNode(settings);
            silo.AddStartupTask<NodeWarmup>();
        });
        return builder.Build();
    }

    private static async Task StopAsync(IHost host)
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await host.StopAsync(stop.Token);
            }
            catch (OperationCanceledException) { }
        }
        host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Reverse()) await StopAsync(host); // the expert node first, the primary last
    }
}
