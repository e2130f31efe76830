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

    /// <summary>The HTTP API's options from the node's (keys read, certificate loaded, checked), before the node binds a port; null: no API.</summary>
    public static GatewayOptions? Read(NodeOptions options)
    {
        if (options.HttpPort is not int port) return null;
        NodeSecurity.Check(options); // an HTTP API off loopback without keys is refused here, in the node's words
        try
        {
            var defaults = new GatewayOptions();
            var gateway = defaults with
            {
                MaxRequestBodyBytes = options.HttpMaxRequestBytes ?? defaults.MaxRequestBodyBytes,
                MaxPromptCharacters = options.HttpMaxPromptChars ?? defaults.MaxPromptCharacters,
                MaxTokensLimit = options.HttpMaxTokens,
                CorsAllowedOrigins = GatewayOptions.ParseOrigins(options.HttpCorsAllowOrigins, "http_cors_allow_origins"),
                Port = port,
                Host = options.HttpHost,
                ApiKeys = Gateway.Http.ApiKeys.Load(options.ApiKeyFile, options.ApiKeys, "--api-key-file", "api_keys"),
                // One certificate per node: the cluster's TLS and the HTTP API's HTTPS.
                Certificate = NodeSecurity.Certificates(options)?.Local,
            };
            gateway.Validate();
            return gateway;
        }
        catch (ArgumentException e)
        {
            throw new NodeConfigurationException(e.Message, e);
        }
    }

    public static async Task<NodeHttpApi> StartAsync(IHost node, NodeOptions options, GatewayOptions? gateway, CancellationToken cancellationToken)
    {
        if (gateway is null) return new NodeHttpApi(null, null);
        var client = MixtralClusterClient.Over(node.Services.GetRequiredService<IClusterClient>());
        var api = await GatewayServer.StartAsync(gateway, client, cancellationToken);
        Console.Error.WriteLine($"node {options.NodeName}: HTTP API on {GatewayServer.BaseAddress(api)}");
        return new NodeHttpApi(client, api);
    }

    /// <summary>Lets the requests in flight finish (see <see cref="GatewayServer.DrainAsync"/>) before the node's silo stops.</summary>
    public Task DrainAsync() => _api is null ? Task.CompletedTask : GatewayServer.DrainAsync(_api);

    public async ValueTask DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
    }
}
