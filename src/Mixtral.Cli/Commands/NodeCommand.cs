using System.CommandLine;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Hosting;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral node`: this process becomes one node of a cluster, with the role and experts the plan gives it. The
/// flags are the top layer of the node's configuration (over a --config file and MIXTRAL_NODE_* variables); the
/// host itself is <see cref="NodeHost"/>.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config")
        {
            Description = "JSON file with the node's settings under snake_case keys (" + string.Join(", ", NodeConfiguration.Keys.Order(StringComparer.Ordinal)) + "); MIXTRAL_NODE_<KEY> variables override it, flags override both",
        };
        var flags = new NodeFlags();
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Logging of Mixtral components", DefaultValueFactory = _ => LogLevel.Information };
        var drain = new Option<bool>("--drain") { Description = "Do not start a node: ask the running node --node-name to finish its requests in flight and leave the cluster reached at --cluster" };
        var cluster = CommonOptions.Cluster();
        var command = new Command("node", "Run one node of a Mixtral cluster") { config, logLevel, drain, cluster };
        flags.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(drain))
                return await NodeDrainCommand.RunAsync(result.GetValue(cluster), flags.Given(result).GetValueOrDefault("node_name"), cancellationToken);
            var options = NodeConfiguration.Load(result.GetValue(config), flags.Given(result));
            var http = NodeHttpApi.Read(options);
            using var host = await NodeHost.StartAsync(options, result.GetValue(logLevel), cancellationToken);
            await using var api = await NodeHttpApi.StartAsync(host, options, http, cancellationToken);
            return await NodeHost.ServeUntilCancelledAsync(host, options.NodeName, cancellationToken, api.DrainAsync); // 75: declared dead, restart it
        });
        return command;
    }
}
