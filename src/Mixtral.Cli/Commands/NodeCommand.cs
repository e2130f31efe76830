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
            Description = "JSON file with the node's settings under snake_case keys (model, role, node_name, plan, redis, silo_port, gateway_port, address, device, dtype, weights, threads, memory_gb, wire_dtype, expert_call_timeout, expert_call_retries, hedge_factor, hedge_min_delay_ms, hedge_max_delay_ms, hedge_window, breaker_failure_ratio, breaker_min_calls, breaker_window_seconds, breaker_break_seconds, step_deadline, max_batch_sequences, max_prefill_tokens, max_queued_requests, http_port, http_host, network); MIXTRAL_NODE_<KEY> variables override it, flags override both",
        };
        var flags = new NodeFlags();
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Logging of Mixtral components", DefaultValueFactory = _ => LogLevel.Information };
        var command = new Command("node", "Run one node of a Mixtral cluster") { config, logLevel };
        flags.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = NodeConfiguration.Load(result.GetValue(config), flags.Given(result));
            using var host = await NodeHost.StartAsync(options, result.GetValue(logLevel), cancellationToken);
            await using var api = await NodeHttpApi.StartAsync(host, options, cancellationToken);
            return await NodeHost.ServeUntilCancelledAsync(host, options.NodeName, cancellationToken); // 75: declared dead, restart it
        });
        return command;
    }
}
