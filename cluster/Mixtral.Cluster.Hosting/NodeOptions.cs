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
    // Security (README: Deploying it safely); checked and turned into certificates by NodeSecurity.
    /// <summary>This node's certificate (PKCS#12 or PEM): mutual TLS on the silo and gateway ports, HTTPS on the HTTP API; null = plain TCP.</summary>
    [ConfigurationKeyName("tls_certificate")] public string? TlsCertificate { get; init; }
    /// <summary>PEM private key of a PEM <see cref="TlsCertificate"/>; null = in the certificate's file.</summary>
    [ConfigurationKeyName("tls_key")] public string? TlsKey { get; init; }
    /// <summary>PEM file of the authority every node's and client's certificate must be issued by.</summary>
    [ConfigurationKeyName("tls_ca")] public string? TlsCa { get; init; }
    /// <summary>Comma-separated SHA-256 thumbprints of peer certificates trusted as they are (instead of, or beside, <see cref="TlsCa"/>).</summary>
    [ConfigurationKeyName("tls_peer_thumbprints")] public string? TlsPeerThumbprints { get; init; }
    /// <summary>Accept .NET clients on the gateway port; false (an expert node nobody calls directly): no gateway is opened.</summary>
    [ConfigurationKeyName("client_gateway")] public bool ClientGateway { get; init; } = true;
    /// <summary>Comma-separated API keys the HTTP API accepts as "Authorization: Bearer KEY" (config file or MIXTRAL_NODE_API_KEYS; never a flag).</summary>
    [ConfigurationKeyName("api_keys")] public string? ApiKeys { get; init; }
    /// <summary>File of API keys, one per line; with <see cref="ApiKeys"/> both are accepted.</summary>
    [ConfigurationKeyName("api_key_file")] public string? ApiKeyFile { get; init; }
    /// <summary>Limits of the HTTP API per request (null: the gateway's defaults): body bytes, prompt characters, max_tokens.</summary>
    [ConfigurationKeyName("http_max_request_bytes")] public long? HttpMaxRequestBytes { get; init; }
    [ConfigurationKeyName("http_max_prompt_chars")] public int? HttpMaxPromptChars { get; init; }
    [ConfigurationKeyName("http_max_tokens")] public int? HttpMaxTokens { get; init; }

    /// <summary>Origins whose web pages may call this node's HTTP API from a browser (CORS), comma-separated, or *.</summary>
    [ConfigurationKeyName("http_cors_allow_origins")] public string? HttpCorsAllowOrigins { get; init; }
    [ConfigurationKeyName("device")] public string Device { get; init; } = "cpu";
    [ConfigurationKeyName("dtype")] public string DType { get; init; } = "f32";
    /// <summary>Dtype the weight matrices are kept in; null = <see cref="DType"/>.</summary>
    [ConfigurationKeyName("weights")] public string? Weights { get; init; }
    /// <summary>Folder where quantized experts (--weights int8|q4) are saved and read back at the next start; null = quantize at every start.</summary>
    [ConfigurationKeyName("quantized_cache")] public string? QuantizedCache { get; init; }
    [ConfigurationKeyName("threads")] public int? Threads { get; init; }
    /// <summary>Weight memory budget of this node in GB (10^9 bytes); null = no limit.</summary>
    [ConfigurationKeyName("memory_gb")] public double? MemoryGb { get; init; }
    /// <summary>Hidden states on the wire: f32 (exact: the cluster's tokens are the single process's), bf16 or f16 (half the bytes).</summary>
    [ConfigurationKeyName("wire_dtype")] public string WireDType { get; init; } = "f32";
    /// <summary>Emulated network for this node's expert calls: a preset (1gbe, 10gbe, 25gbe, 100gbe) or NODE=PRESET,...; null = none.</summary>
    [ConfigurationKeyName("network")] public string? Network { get; init; }
    /// <summary>Emulated compute device for this node's expert calls: cpu, gpu24 or GBPS/TFLOPS (a Mixtral-8x7B bf16 expert's time on it); null = none.</summary>
    [ConfigurationKeyName("emulate_device")] public string? EmulateDevice { get; init; }
    /// <summary>Seconds the coordinator waits for one expert call before retrying it (on the next replica).</summary>
    [ConfigurationKeyName("expert_call_timeout")] public double ExpertCallTimeoutSeconds { get; init; } = 30;
    // Expert-call resilience (the coordinator's; defaults and ranges: ExpertCallOptions, README "Expert-call resilience").
    /// <summary>Retries of an expert call whose every copy failed (jittered exponential backoff, 50 ms doubling to 2 s).</summary>
    [ConfigurationKeyName("expert_call_retries")] public int ExpertCallRetries { get; init; } = 9;
    /// <summary>k: hedge a call to another copy once it is slower than k × the p99 of recent calls of its size; 0 = no hedging.</summary>
    [ConfigurationKeyName("hedge_factor")] public double HedgeFactor { get; init; } = 3;
    [ConfigurationKeyName("hedge_min_delay_ms")] public double HedgeMinDelayMs { get; init; } = 20;
    [ConfigurationKeyName("hedge_max_delay_ms")] public double HedgeMaxDelayMs { get; init; } = 1000;
    /// <summary>Recent calls per size class the p99 is taken over.</summary>
    [ConfigurationKeyName("hedge_window")] public int HedgeWindow { get; init; } = 256;
    /// <summary>Share of a node's calls (failed, timed out, or overtaken by a hedge) that opens its breaker.</summary>
    [ConfigurationKeyName("breaker_failure_ratio")] public double BreakerFailureRatio { get; init; } = 0.5;
    /// <summary>Calls a node's breaker must see (in its window) before it may open.</summary>
    [ConfigurationKeyName("breaker_min_calls")] public int BreakerMinCalls { get; init; } = 4;
    /// <summary>Seconds of recent calls the failure ratio is taken over.</summary>
    [ConfigurationKeyName("breaker_window_seconds")] public double BreakerWindowSeconds { get; init; } = 1;
    /// <summary>Seconds an opened breaker keeps calls away from its node before one trial call.</summary>
    [ConfigurationKeyName("breaker_break_seconds")] public double BreakerBreakSeconds { get; init; } = 5;
    /// <summary>The coordinator calls the experts on its own node through their grains instead of computing them in place.</summary>
    [ConfigurationKeyName("local_experts_via_grains")] public bool LocalExpertsViaGrains { get; init; }
    /// <summary>Seconds one forward step may wait on experts in all; past it the step's requests fail with a retryable error.</summary>
    [ConfigurationKeyName("step_deadline")] public double StepDeadlineSeconds { get; init; } = 60;
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
