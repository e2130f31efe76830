using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Placement;
using Orleans.Configuration;
using Orleans.GrainDirectory;
using Orleans.Runtime;
using StackExchange.Redis;

using Mixtral.Cluster.Grains;
using Mixtral.Cluster.Grains.Nodes;

namespace Mixtral.Cluster.Hosting;

/// <summary>The host of one node: clustering provider, endpoints, the Mixtral grains, warm-up, logging; started and served.</summary>
public static class NodeHost
{
    public const string ServiceId = "mixtral-distributed";

    /// <summary>Checks the options (a bad setting, plan or model stops here, before anything binds a port), then
    /// starts the node and says so on stderr; the caller owns the returned host.</summary>
    public static async Task<IHost> StartAsync(NodeOptions options, LogLevel logLevel, CancellationToken cancellationToken)
    {
        var settings = NodeStartupCheck.Resolve(options);
        var host = Build(options, settings, logLevel);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new InvalidOperationException($"node \"{options.NodeName}\" could not start: {e.Message}", e);
        }
        Console.Error.WriteLine(
            $"node {options.NodeName} ready: role {settings.Role.Name()}, " +
            $"{settings.Plan.ExpertsOn(options.NodeName).Count()} experts, silo {options.Address}:{options.SiloPort}, " +
            (options.ClientGateway ? $"gateway {options.Address}:{options.GatewayPort}" : "no client gateway"));
        return host;
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> fires (Ctrl+C, SIGTERM), then stops the node gracefully
    /// and returns 0; or until the silo cannot go on (<see cref="NodeFatalError"/>: declared dead by the cluster), then
    /// says why in one line, stops it and returns the non-zero exit code.</summary>
    /// <param name="beforeLeaving">Runs once the node is to stop (cancelled, or drained) and before its silo stops: e.g.
    /// the HTTP API on it finishing the requests in flight while the cluster can still answer them.</param>
    public static async Task<int> ServeUntilCancelledAsync(IHost host, string nodeName, CancellationToken cancellationToken, Func<Task>? beforeLeaving = null)
    {
        var fatal = host.Services.GetService<NodeFatalError>()?.Occurred ?? Task.Delay(Timeout.Infinite, CancellationToken.None).ContinueWith(_ => (0, ""), TaskScheduler.Default);
        var drain = host.Services.GetRequiredService<Mixtral.Cluster.Grains.Nodes.NodeDrain>();
        // Until stopped, until `mixtral node --drain` asked this node to leave and its last request has finished, or
        // until the silo cannot go on.
        var drained = drain.DrainedAsync(DrainLimit, cancellationToken);
        if (await Task.WhenAny(drained, fatal) == fatal)
        {
            var (exitCode, message) = await fatal;
            Console.Error.WriteLine($"error: node {nodeName}: {message}");
            // A silo the cluster has given up on may not stop cleanly; it must not linger as a zombie either.
            _ = Task.Delay(TimeSpan.FromSeconds(20), CancellationToken.None).ContinueWith(_ => Environment.Exit(exitCode), TaskScheduler.Default);
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await host.StopAsync(quick.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or OrleansException or InvalidOperationException) { }
            return exitCode;
        }
        try
        {
            await drained;
            Console.Error.WriteLine($"node {nodeName} drained ({drain.InFlight} requests still in flight): leaving the cluster");
        }
        catch (OperationCanceledException) { }
        if (beforeLeaving is not null) await beforeLeaving();
        Console.Error.WriteLine($"node {nodeName} stopping");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(stop.Token);
        return 0;
    }

    /// <summary>The longest a draining node waits for its requests in flight before it leaves anyway.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(10);

    public static IHost Build(NodeOptions options, NodeSettings settings, LogLevel logLevel = LogLevel.Warning)
    {
        if (options.Threads is int threads) TorchSharp.torch.set_num_threads(threads);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        // Every log line to stderr: stdout carries the command's own output (`run --json`, generated text), which a log
        // line would corrupt for whoever reads it (a warning at 03:00 made `run --json` print "03:..." after its JSON).
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Orleans' own warnings at start-up (GC mode, watchdog on a cold start) are noise for a node's operator.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Mixtral", logLevel);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = ServiceId; });
            if (NodeSecurity.Certificates(options) is { } certificates)
                silo.UseTls(certificates.Local, tls => Mixtral.Client.Security.ClusterTls.Configure(tls, certificates, NodeSecurity.HandshakeTimeout));
            if (options.Redis is null)
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: ServiceId, clusterId: options.ClusterId);
            }
            else
            {
                var address = NodeAddressCheck.Check(options.Address, options.ListenAny);
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(options.Redis));
                // The grain directory lives in Redis too, not spread over the silos: a node that dies takes no
                // directory entries with it, so the coordinator and the surviving replicas stay reachable.
                silo.AddRedisGrainDirectory(GrainDirectoryAttribute.DEFAULT_GRAIN_DIRECTORY, o => o.ConfigurationOptions = RedisOptions(options.Redis));
                // A node listens on the address it advertises and nothing else, unless the operator opted in to
                // every interface (--listen-any: a container advertising its host's address).
                // Gateway port 0: Orleans opens no gateway, so a node that serves no clients accepts none (client_gateway false).
                silo.ConfigureEndpoints(address, options.SiloPort, options.ClientGateway ? options.GatewayPort : 0, listenOnAnyHostAddress: options.ListenAny);
                // A lost expert node stalls every step until the cluster declares it dead: probe often, decide fast.
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(1);
                    o.NumMissedProbesLimit = 2;
                    o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
                    // A node that missed a membership change (a death, a rejoin) reads the table again within seconds:
                    // stand-ins go home, and placement falls back, on what the table says.
                    o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
                });
            }
            silo.AddMixtralNode(settings);
            // Declared dead (e.g. after SIGSTOP/SIGCONT): exit with a message and code 75, not Orleans' FailFast.
            silo.Services.AddSingleton<NodeFatalError>();
            silo.Services.AddSingleton<IFatalErrorHandler, NodeFatalErrorHandler>();
            silo.AddStartupTask<NodeWarmup>();
        });
        return builder.Build();
    }

    /// <summary>An IP address as given, or a host name resolved to its first IPv4 address (e.g. a compose service name).</summary>
    public static IPAddress ResolveAddress(string address)
    {
        if (IPAddress.TryParse(address, out var ip))
        {
            if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any))
                throw new ArgumentException($"--address {address}: give the address other nodes reach this one at, not the wildcard");
            return ip;
        }
        return Dns.GetHostAddresses(address).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new ArgumentException($"--address {address}: the host name does not resolve to an IPv4 address");
    }

    private static ConfigurationOptions RedisOptions(string hostPort)
    {
        var redis = ConfigurationOptions.Parse(hostPort);
        redis.AbortOnConnectFail = false; // a node may start before Redis is reachable; it retries
        return redis;
    }
}
