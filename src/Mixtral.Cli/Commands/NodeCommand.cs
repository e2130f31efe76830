using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Hosting;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral node`: this process becomes one node of a cluster, with the role and experts the plan gives it.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON file with the same settings (keys: model, role, node_name, plan, redis, silo_port, gateway_port, address, device, dtype, weights, threads, memory_gb, wire_dtype, expert_call_timeout); flags override it" };
        var model = new Option<string?>("--model") { Description = "Model folder on this node (only the tensors this node owns are read)" };
        var role = new Option<string?>("--role") { Description = "coordinator | experts | all (must match the plan)" };
        var name = new Option<string?>("--node-name") { Description = "This node's name in the plan" };
        var plan = new Option<string?>("--plan") { Description = "Placement plan (from `mixtral plan --out`)" };
        var redis = new Option<string?>("--redis") { Description = "HOST:PORT of the Redis server holding cluster membership" };
        var siloPort = new Option<int?>("--silo-port") { Description = "Port for silo-to-silo traffic (default 11111)" };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = "Port clients connect to (default 30000)" };
        var address = new Option<string?>("--address") { Description = "Address to bind and advertise (default 127.0.0.1: loopback only)" };
        var compute = new ComputeFlags();
        var memory = new Option<double?>("--memory") { Description = "Weight memory budget of this node in GB; the node refuses a plan that exceeds it" };
        var wire = WireOption();
        var expertTimeout = new Option<double?>("--expert-call-timeout") { Description = "Seconds the coordinator waits for one expert call before retrying it on the next replica (default 30)" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Logging of Mixtral components", DefaultValueFactory = _ => LogLevel.Information };

        var command = new Command("node", "Run one node of a Mixtral cluster") { config, model, role, name, plan, redis, siloPort, gatewayPort, address, memory, wire, expertTimeout, logLevel };
        compute.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var file = result.GetValue(config) is string path ? NodeConfigFile.Read(path) : new NodeConfigFile();
            string Need(string? flag, string? fromFile, string what) => flag ?? fromFile ?? throw new CliUsageException($"{what} is required (flag or --config)");
            double? gb = result.GetValue(memory) ?? file.MemoryGb;
            var options = new NodeOptions
            {
                ModelPath = Need(result.GetValue(model), file.Model, "--model"),
                NodeName = Need(result.GetValue(name), file.NodeName, "--node-name"),
                Role = (result.GetValue(role) ?? file.Role) is string r ? PlanCommand.ParseRole(r, "--role") : null,
                PlanPath = result.GetValue(plan) ?? file.Plan,
                Redis = result.GetValue(redis) ?? file.Redis,
                SiloPort = result.GetValue(siloPort) ?? file.SiloPort ?? 11111,
                GatewayPort = result.GetValue(gatewayPort) ?? file.GatewayPort ?? 30000,
                Address = result.GetValue(address) ?? file.Address ?? "127.0.0.1",
                Device = !compute.Given(result, "--device") && file.Device is not null ? file.Device : compute.Device(result),
                DType = !compute.Given(result, "--dtype") && file.DType is not null ? file.DType : compute.DType(result),
                Threads = compute.Threads(result) ?? file.Threads,
                Weights = compute.Weights(result) ?? file.Weights,
                MemoryBudgetBytes = gb is double g ? (long)(g * 1e9) : null,
                ExpertCallTimeout = (result.GetValue(expertTimeout) ?? file.ExpertCallTimeout) is double seconds
                    ? (seconds > 0 ? TimeSpan.FromSeconds(seconds) : throw new CliUsageException($"--expert-call-timeout must be positive, got {seconds}"))
                    : TimeSpan.FromSeconds(30),
                WireDType = ParseWire(result.GetResult(wire) is null && file.WireDType is not null ? file.WireDType : result.GetValue(wire)!),
            };
            await RunNodeAsync(options, result.GetValue(logLevel), keepRunning: true, cancellationToken);
            return 0;
        });
        return command;
    }

    public static Option<string> WireOption() => new("--wire-dtype")
    {
        Description = "Dtype of hidden states on the wire: bf16 (default) | f16 | f32",
        DefaultValueFactory = _ => "bf16",
    };

    public static WireDType ParseWire(string text) => text.ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => WireDType.BFloat16,
        "f16" or "float16" => WireDType.Float16,
        "f32" or "float32" => WireDType.Float32,
        _ => throw new CliUsageException($"--wire-dtype: \"{text}\" is not bf16, f16 or f32"),
    };

    /// <summary>Starts a node; with <paramref name="keepRunning"/> serves until cancelled, else returns the started host.</summary>
    public static async Task<IHost> RunNodeAsync(NodeOptions options, LogLevel logLevel, bool keepRunning, CancellationToken cancellationToken)
    {
        var settings = NodeStartupCheck.Resolve(options); // a bad plan or model stops here, before anything binds a port
        var host = NodeHost.Build(options, settings, logLevel);
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
            $"node {options.NodeName} ready: role {settings.Role.ToString().ToLowerInvariant()}, " +
            $"{settings.Plan.ExpertsOn(options.NodeName).Count()} experts, silo {options.Address}:{options.SiloPort}, gateway {options.Address}:{options.GatewayPort}");
        if (!keepRunning) return host;
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) { }
        Console.Error.WriteLine($"node {options.NodeName} stopping");
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10))) await host.StopAsync(stop.Token);
        host.Dispose();
        return host;
    }

    private sealed record NodeConfigFile
    {
        public string? Model { get; init; }
        public string? Role { get; init; }
        public string? NodeName { get; init; }
        public string? Plan { get; init; }
        public string? Redis { get; init; }
        public int? SiloPort { get; init; }
        public int? GatewayPort { get; init; }
        public string? Address { get; init; }
        public string? Device { get; init; }
        public string? DType { get; init; }
        public int? Threads { get; init; }
        public string? Weights { get; init; }
        public double? MemoryGb { get; init; }
        public string? WireDType { get; init; }
        public double? ExpertCallTimeout { get; init; }

        private static readonly JsonSerializerOptions Json = new()
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        };

        public static NodeConfigFile Read(string path)
        {
            if (!File.Exists(path)) throw new CliUsageException($"--config: {path} not found");
            try
            {
                return JsonSerializer.Deserialize<NodeConfigFile>(File.ReadAllText(path), Json) ?? new NodeConfigFile();
            }
            catch (JsonException e)
            {
                throw new CliUsageException($"--config: {path}: {e.Message}", e);
            }
        }
    }
}
