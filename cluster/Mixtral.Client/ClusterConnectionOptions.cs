using Mixtral.Client.Security;

namespace Mixtral.Client;

/// <summary>How a client reaches a cluster: a gateway, the cluster's id, and TLS when the cluster requires it.</summary>
public sealed record ClusterConnectionOptions
{
    public const string DefaultClusterId = "mixtral";

    /// <summary>HOST:PORT of a node's gateway.</summary>
    public required string Gateway { get; init; }

    /// <summary>The nodes' cluster_id; a gateway of another cluster refuses the connection.</summary>
    public string ClusterId { get; init; } = DefaultClusterId;

    /// <summary>Null: plain TCP (a cluster without TLS).</summary>
    public ClusterTlsOptions? Tls { get; init; }

    /// <summary>How long connecting may take before the cluster is reported unavailable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
