using System.CommandLine;
using System.Globalization;
using Mixtral.Cluster.Hosting;

namespace Mixtral.Cli.Commands;

/// <summary>
/// The node's settings as flags, each the command-line form of one configuration key (--node-name is node_name).
/// Only the flags typed become configuration, so a file or the environment supplies the rest.
/// </summary>
internal sealed class NodeFlags
{
    private readonly List<(Option Option, string Key)> _flags = [];

    public NodeFlags()
    {
        Add<string>("model", "Model folder on this node (only the tensors this node owns are read)");
        Add<string>("role", "coordinator | experts | all (must match the plan)");
        Add<string>("node_name", "This node's name in the plan");
        Add<string>("plan", "Placement plan (from `mixtral plan --out`)");
        Add<string>("redis", "HOST:PORT of the Redis server holding cluster membership");
        Add<int>("silo_port", $"Port for silo-to-silo traffic (default {NodeOptions.DefaultSiloPort})");
        Add<int>("gateway_port", $"Port clients connect to (default {NodeOptions.DefaultGatewayPort})");
        Add<string>("address", $"Address to bind and advertise (default {NodeOptions.Loopback}: loopback only)");
        Add<bool>("listen_any", "Listen on every interface and advertise --address as given (containers behind NAT); default: bind only --address, which must be this machine's");
        Add<string>("device", "Compute device: cpu (default) or cuda[:N]");
        Add<string>("dtype", "Compute dtype: f32 (default), bf16 or f16");
        Add<string>("weights", "Dtype the weight matrices are kept in: the compute dtype (default) or bf16");
        Add<int>("threads", "CPU threads for the math (default: all cores)");
        Add<double>("memory", "Weight memory budget of this node in GB; the node refuses a plan that exceeds it", key: "memory_gb");
        Add<string>("wire_dtype", "Dtype of hidden states on the wire: f32 (default; exact) | bf16 | f16 (half the bytes)");
        Add<double>("expert_call_timeout", "Seconds the coordinator waits for one expert call before retrying it on the next replica (default 30)");
        Add<int>("max_batch_sequences", "Sequences the coordinator decodes together in one step (default 32)");
        Add<int>("max_prefill_tokens", "Prompt tokens fed into one step; longer prompts are prefilled in chunks of this size (default 512)");
        Add<int>("max_queued_requests", "Requests waiting for a place in the coordinator's batch; more are refused as overloaded (default 256; 0 = none wait)");
        Add<int>("http_port", "Serve the HTTP API (OpenAI and TGI routes, /health, /metrics) on this port from this node (default: none)");
        Add<string>("http_host", $"Address the HTTP API binds (default {NodeOptions.Loopback})");
        Add<bool>("standby", "Join as a standby node: in no plan, holding nothing until a node dies, then taking over its experts (or the coordinator)");
        Add<string>("network", "Emulate the network on this node's expert calls: 1gbe | 10gbe | 25gbe | 100gbe, or NODE=PRESET,... per node (placement experiments)");
    }

    private void Add<T>(string name, string description, string? key = null) =>
        _flags.Add((new Option<T>("--" + name.Replace('_', '-')) { Description = description }, key ?? name));

    public void AddTo(Command command)
    {
        foreach (var (option, _) in _flags) command.Options.Add(option);
    }

    /// <summary>The typed flags as configuration keys and values (invariant culture, as the binder reads them).</summary>
    public Dictionary<string, string?> Given(ParseResult result)
    {
        var given = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key) in _flags)
            if (result.GetResult(option) is { } found && !found.Implicit)
                given[key] = Convert.ToString(found.GetValueOrDefault<object>(), CultureInfo.InvariantCulture);
        return given;
    }
}
