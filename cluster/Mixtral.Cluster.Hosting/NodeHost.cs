using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Mixtral.Cluster.Hosting;

/// <summary>Builds the host of one node: clustering provider, endpoints, the Mixtral node, warm-up, logging.</summary>
public static class NodeHost
{
    public const string ServiceId = "mixtral-distributed";

    public static IHost Build(NodeOptions options, NodeSettings settings, LogLevel logLevel = LogLevel.Warning)
    {
        if (options.Threads is int threads) TorchSharp.torch.set_num_threads(threads);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Orleans' own warnings at start-up (GC mode, watchdog on a cold start) are noise for a node's operator.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Mixtral", logLevel);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = ServiceId; });
            if (options.Redis is null)
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: ServiceId, clusterId: options.ClusterId);
            }
            else
            {
                var address = IPAddress.Parse(options.Address);
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(options.Redis));
                silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort);
            }
            silo.AddMixtralNode(settings);
            silo.AddStartupTask<NodeWarmup>();
        });
        return builder.Build();
    }

    private static ConfigurationOptions RedisOptions(string hostPort)
    {
        var redis = ConfigurationOptions.Parse(hostPort);
        redis.AbortOnConnectFail = false; // a node may start before Redis is reachable; it retries
        return redis;
    }
}
