using System.Net;
using Mixtral.Client.Security;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// A node's security settings checked before a port is bound, and turned into what the host needs: the certificates
/// of mutual TLS on the silo and gateway ports (<see cref="NodeOptions.TlsCertificate"/>), and the rule that an HTTP
/// API reachable from other machines has API keys.
/// </summary>
public static class NodeSecurity
{
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10); // generous: a loaded machine must not read as an attack

    public static void Check(NodeOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ClusterId)) throw new NodeConfigurationException("--cluster-id must not be empty");
        if (options.TlsCertificate is null && (options.TlsKey ?? options.TlsCa ?? options.TlsPeerThumbprints) is not null)
            throw new NodeConfigurationException("--tls-key, --tls-ca and --tls-peer-thumbprints need --tls-certificate (this node's certificate)");
        Certificates(options); // every file read and checked now, not at the first connection
        if (!options.ClientGateway && options.Redis is null)
            throw new NodeConfigurationException("--client-gateway false applies to a node of a multi-node cluster (--redis): a single node is its own clients' gateway");
        if (options.HttpPort is not null && !IsLoopback(options.HttpHost) && options.ApiKeys is null && options.ApiKeyFile is null)
            throw new NodeConfigurationException(
                $"--http-host {options.HttpHost} opens the HTTP API to other machines: give API keys (--api-key-file FILE, or api_keys / " +
                $"{NodeConfiguration.EnvironmentPrefix}API_KEYS), or keep it on {NodeOptions.Loopback}");
    }

    /// <summary>The options of <see cref="NodeOptions.TlsCertificate"/> and its companions; null when TLS is off.</summary>
    public static ClusterTlsOptions? Tls(NodeOptions options) => options.TlsCertificate is not string certificate ? null : new ClusterTlsOptions
    {
        CertificatePath = certificate,
        KeyPath = options.TlsKey,
        CaPath = options.TlsCa,
        PeerThumbprints = Parse(() => ClusterTlsOptions.ParseThumbprints(options.TlsPeerThumbprints, "--tls-peer-thumbprints")),
        HandshakeTimeout = HandshakeTimeout,
    };

    /// <summary>The loaded certificates; null when TLS is off. A bad file is a <see cref="NodeConfigurationException"/> naming the flag.</summary>
    public static ClusterCertificates? Certificates(NodeOptions options) =>
        Tls(options) is { } tls ? Parse(() => ClusterCertificates.Load(tls)) : null;

    /// <summary>Whether an address to bind is this machine only (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    private static T Parse<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new NodeConfigurationException(e.Message, e); }
    }
}
