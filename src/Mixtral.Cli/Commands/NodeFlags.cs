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
        Add<string>("quantized_cache", "Folder where quantized experts (--weights int8|q4) are saved, checksummed, and read back at the next start; a damaged or stale file is reported and rebuilt");
        Add<int>("threads", "CPU threads for the math (default: all cores)");
        Add<double>("memory", "Weight memory budget of this node in GB; the node refuses a plan that exceeds it", key: "memory_gb");
        Add<string>("wire_dtype", "Dtype of hidden states on the wire: f32 (default; exact) | bf16 | f16 (half the bytes)");
        Add<double>("expert_call_timeout", "Seconds the coordinator waits for one expert call before retrying it on the next replica (default 30)");
        Add<int>("expert_call_retries", "Retries of an expert call whose every copy failed, with jittered backoff (default 9: about 10 s)");
        Add<double>("hedge_factor", "Hedge an expert call to another copy once it is slower than this many times the p99 of recent calls (default 3; 0 = no hedging)");
        Add<double>("hedge_min_delay_ms", "Never hedge sooner than this (default 20)");
        Add<double>("hedge_max_delay_ms", "Never wait longer than this before hedging; also the delay until enough calls were seen (default 1000)");
        Add<int>("hedge_window", "Recent calls per size class the hedging p99 is taken over (default 256)");
        Add<double>("breaker_failure_ratio", "Share of a node's recent calls failed, timed out or overtaken that opens its circuit breaker (default 0.5)");
        Add<int>("breaker_min_calls", "Calls a node's breaker must see in its window before it may open (default 4)");
        Add<double>("breaker_window_seconds", "Seconds of recent calls a node's breaker takes its failure ratio over (default 1)");
        Add<double>("breaker_break_seconds", "Seconds an opened breaker keeps calls away from its node before a trial call (default 5)");
        Add<bool>("local_experts_via_grains", "Send the coordinator's calls to the experts on its own node through their grains too (default: computed in place, with no call)");
        Add<double>("step_deadline", "Seconds one forward step may wait on experts; past it the step's requests fail with a retryable error (default 60)");
        Add<int>("max_batch_sequences", "Sequences the coordinator decodes together in one step (default 32)");
        Add<int>("max_prefill_tokens", "Prompt tokens fed into one step; longer prompts are prefilled in chunks of this size (default 512)");
        Add<int>("max_queued_requests", "Requests waiting for a place in the coordinator's batch; more are refused as overloaded (default 256; 0 = none wait)");
        Add<int>("http_port", "Serve the HTTP API (OpenAI and TGI routes, /health, /metrics) on this port from this node (default: none)");
        Add<string>("http_host", $"Address the HTTP API binds (default {NodeOptions.Loopback})");
        // Security: the certificate files and key file are named, never the secrets themselves (a flag shows in `ps`).
        Add<string>("cluster_id", "Cluster id every node and client of this cluster shares (default mixtral)");
        Add<bool>("client_gateway", "Accept .NET clients on --gateway-port (default true); --client-gateway false on expert nodes nobody calls directly opens no gateway");
        Add<string>("tls_certificate", "This node's certificate (PKCS#12 or PEM): mutual TLS on the silo and gateway ports, HTTPS on the HTTP API");
        Add<string>("tls_key", "PEM private key of a PEM --tls-certificate (default: in the certificate's file)");
        Add<string>("tls_ca", "PEM file of the authority every node's and client's certificate must be issued by");
        Add<string>("tls_peer_thumbprints", "Comma-separated SHA-256 thumbprints of peer certificates trusted as they are (pinning, self-signed)");
        Add<long>("http_max_request_bytes", "Largest HTTP request body accepted, in bytes (default 1048576)");
        Add<int>("http_max_prompt_chars", "Prompt characters accepted per HTTP request (default 262144)");
        Add<int>("http_max_tokens", "Largest max_tokens accepted per HTTP request (default: the model's context)");
        Add<string>("http_cors_allow_origins", "Origins whose web pages may call the HTTP API from a browser, comma-separated (e.g. https://chat.example.com), or *; default none");
        Add<string>("api_key_file", "File of API keys for the HTTP API, one per line (Authorization: Bearer KEY); required when --http-host is not loopback");
        Add<bool>("standby", "Join as a standby node: in no plan, holding nothing until a node dies, then taking over its experts (or the coordinator)");
        Add<string>("network", "Emulate the network on this node's expert calls: 1gbe | 10gbe | 25gbe | 100gbe, or NODE=PRESET,... per node (placement experiments)");
        Add<string>("emulate_device", "Emulate this node's compute device: each expert call also takes as long as a Mixtral-8x7B bf16 expert would on it, one call at a time: cpu (40 GB/s, 0.116 TFLOP/s) | gpu24 (1 TB/s, 150 TFLOP/s) | GBPS/TFLOPS (placement experiments)");
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
