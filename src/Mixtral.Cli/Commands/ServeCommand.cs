using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mixtral.Client;
using Mixtral.Cluster.Hosting;
using Mixtral.Gateway;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral serve`: the main job. The embedded single-process cluster (as `mixtral run --serve`) with the HTTP API
/// (OpenAI and TGI routes, /health, /metrics) in the same process, over the silo's own cluster client.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var node = new EmbeddedNodeFlags();
        var http = new HttpFlags();

        var command = new Command("serve", "Serve the model over HTTP (OpenAI and TGI APIs): the whole cluster and the API in this process") { model };
        http.AddTo(command);
        node.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var gatewayOptions = http.Read(result);
            var nodeOptions = node.Read(result);
            var folder = CommonOptions.OpenModel(result.GetValue(model));
            var options = nodeOptions(folder);
            Console.Error.WriteLine($"starting the embedded cluster (one node, every role) on {folder.Path}");
            using var host = await NodeHost.StartAsync(options, LogLevel.Warning, cancellationToken);
            await using var client = MixtralClusterClient.Over(host.Services.GetRequiredService<IClusterClient>());
            await using var api = await GatewayServer.StartAsync(gatewayOptions, client, cancellationToken);
            Console.Error.WriteLine($"HTTP API on {GatewayServer.BaseAddress(api)} (POST /v1/chat/completions, /v1/completions, /generate, /generate_stream; GET /health, /metrics)");
            // On SIGTERM / Ctrl+C the API drains first (open streams finish), then the cluster under it stops.
            await NodeHost.ServeUntilCancelledAsync(host, options.NodeName, cancellationToken, () => GatewayServer.DrainAsync(api));
            return 0;
        });
        return command;
    }
}
