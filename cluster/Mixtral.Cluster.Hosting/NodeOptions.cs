using Microsoft.Extensions.Configuration;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// How an operator describes one node, in the operator's own words (names, numbers, dtype names): bound from layered
/// configuration (<see cref="NodeConfiguration"/>: a JSON file, then MIXTRAL_NODE_* environment variables, then flags)
/// under the snake_case keys below. <see cref="NodeStartupCheck"/> turns it into checked <c>NodeSettings</c>.
/// Every default is written here and nowhere else.
/// </summary>
public sealed record NodeOptions
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
    public const string Loopback = "127.0.0.1";

    [ConfigurationKeyName("model")] public string ModelPath { get; init; } = "";
    [ConfigurationKeyName("node_name")] public string NodeName { get; init; } = "";
    /// <summary>coordinator | experts | all; null: take the role the plan gives this node.</summary>
    [ConfigurationKeyName("role")] public string? Role { get; init; }
    /// <summary>Null: every expert on this node (only for a single-node cluster).</summary>
    [ConfigurationKeyName("plan")] public string? PlanPath { get; init; }
    /// <summary>host:port of the Redis server holding cluster membership; null = localhost clustering (one node).</summary>
    [ConfigurationKeyName("redis")] public string? Redis { get; init; }
    [ConfigurationKeyName("silo_port")] public int SiloPort { get; init; } = DefaultSiloPort;
    [ConfigurationKeyName("gateway_port")] public int GatewayPort { get; init; } = DefaultGatewayPort;
    /// <summary>The address this node binds to and advertises; loopback unless an operator opens it up.</summary>
    [ConfigurationKeyName("address")] public string Address { get; init; } = Loopback;
    /// <summary>Listen on every interface and advertise <see cref="Address"/> as given (containers); off: bind only the address, which must be this machine's.</summary>
    [ConfigurationKeyName("listen_any")] public bool ListenAny { get; init; }
    [ConfigurationKeyName("cluster_id")] public string ClusterId { get; init; } = "mixtral";
    [ConfigurationKeyName("device")] public string Device { get; init; } = "cpu";
    [ConfigurationKeyName("dtype")] public string DType { get; init; } = "f32";
    /// <summary>Dtype the weight matrices are kept in; null = <see cref="DType"/>.</summary>
    [ConfigurationKeyName("weights")] public string? Weights { get; init; }
    [ConfigurationKeyName("threads")] public int? Threads { get; init; }
    /// <summary>Weight memory budget of this node in GB (10^9 bytes); null = no limit.</summary>
    [ConfigurationKeyName("memory_gb")] public double? MemoryGb { get; init; }
    /// <summary>Hidden states on the wire: f32 (exact: the cluster's tokens are the single process's), bf16 or f16 (half the bytes).</summary>
    [ConfigurationKeyName("wire_dtype")] public string WireDType { get; init; } = "f32";
    /// <summary>Emulated network for this node's expert calls: a preset (1gbe, 10gbe, 25gbe, 100gbe) or NODE=PRESET,...; null = none.</summary>
    [ConfigurationKeyName("network")] public string? Network { get; init; }
    /// <summary>Seconds the coordinator waits for one expert call before retrying it (on the next replica).</summary>
    [ConfigurationKeyName("expert_call_timeout")] public double ExpertCallTimeoutSeconds { get; init; } = 30;
    /// <summary>Sequences decoded together in one step (the coordinator's engine).</summary>
    [ConfigurationKeyName("max_batch_sequences")] public int MaxBatchSequences { get; init; } = 32;
    /// <summary>Prompt tokens fed into one step (chunked prefill), so a long prompt does not stall running streams for long.</summary>
    [ConfigurationKeyName("max_prefill_tokens")] public int MaxPrefillTokens { get; init; } = 512;
    /// <summary>Requests waiting for a place in the coordinator's batch; one more is refused as overloaded (HTTP 429).</summary>
    [ConfigurationKeyName("max_queued_requests")] public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>Port of the HTTP API (OpenAI and TGI routes) on this node; null = no HTTP API.</summary>
    [ConfigurationKeyName("http_port")] public int? HttpPort { get; init; }
    /// <summary>Address the HTTP API binds; loopback unless an operator opens it up.</summary>
    [ConfigurationKeyName("http_host")] public string HttpHost { get; init; } = Loopback;

    // Failover (issue 8): a node kept in reserve.
    /// <summary>A node in no plan that holds nothing until a node dies: then it takes over that node's experts (or the coordinator).</summary>
    [ConfigurationKeyName("standby")] public bool Standby { get; init; }

    public long? MemoryBudgetBytes => MemoryGb is double gb ? (long)(gb * 1e9) : null;
}
