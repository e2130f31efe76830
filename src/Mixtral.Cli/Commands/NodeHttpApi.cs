using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mixtral.Client;
using Mixtral.Cluster.Hosting;
using Mixtral.Gateway;

namespace Mixtral.Cli.Commands;

/// <summary>The HTTP API on a cluster node (`mixtral node --http-port N`), over the node's own cluster client; nothing when no port is set.</summary>
internal sealed class NodeHttpApi : IAsyncDisposable
{
    private readonly MixtralClusterClient? _client;
    private readonly Microsoft.AspNetCore.Builder.WebApplication? _api;

    private NodeHttpApi(MixtralClusterClient? client, Microsoft.AspNetCore.Builder.WebApplication? api)
    {
        _client = client;
        _api = api;
    }

    public static async Task<NodeHttpApi> StartAsync(IHost node, NodeOptions options, CancellationToken cancellationToken)
    {
        if (options.HttpPort is not int port) return new NodeHttpApi(null, null);
        var client = MixtralClusterClient.Over(node.Services.GetRequiredService<IClusterClient>());
        var api = await GatewayServer.StartAsync(new GatewayOptions { Port = port, Host = options.HttpHost }, client, cancellationToken);
        Console.Error.WriteLine($"node {options.NodeName}: HTTP API on {GatewayServer.BaseAddress(api)}");
        return new NodeHttpApi(client, api);
    }

    public async ValueTask DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
    }
}
