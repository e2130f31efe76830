using System.Security.Cryptography.X509Certificates;
using Mixtral.Client.Security;
using Mixtral.Testing;

namespace Mixtral.Cluster.Hosting.Tests;

/// <summary>
/// A node's security settings: every listener on loopback unless told otherwise, TLS files checked (and named) before
/// a port is bound, an HTTP API off loopback refused without API keys, and the peer check trusting exactly the
/// configured authority or pinned thumbprints.
/// </summary>
public sealed class NodeSecurityTests : IDisposable
{
    private readonly TestCertificates _cluster = new("cluster");
    private readonly TestCertificates _other = new("other");

    public void Dispose()
    {
        _cluster.Dispose();
        _other.Dispose();
    }

    private static NodeOptions Load(Dictionary<string, string?> flags) => NodeConfiguration.Load(null, flags);

    private static string Refusal(NodeOptions options) => Assert.Throws<NodeConfigurationException>(() => NodeSecurity.Check(options)).Message;

    [Fact]
    public void Every_listener_binds_loopback_and_tls_is_off_by_default()
    {
        var options = Load([]);
        Assert.Equal("127.0.0.1", options.Address);
        Assert.Equal("127.0.0.1", options.HttpHost);
        Assert.False(options.ListenAny);
        Assert.Null(NodeSecurity.Tls(options));
        NodeSecurity.Check(options);
    }

    [Fact]
    public void Tls_settings_come_from_the_config_file_and_flags()
    {
        var node = _cluster.Issue("node");
        string file = Path.Combine(_cluster.Folder, "node.json");
        File.WriteAllText(file, $$"""{"tls_certificate": "{{node.CertificatePath}}", "tls_ca": "{{_cluster.AuthorityPath}}", "cluster_id": "prod"}""");
        var options = NodeConfiguration.Load(file, new Dictionary<string, string?> { ["tls_key"] = node.KeyPath });
        var tls = NodeSecurity.Tls(options)!;
        Assert.Equal((node.CertificatePath, node.KeyPath, _cluster.AuthorityPath), (tls.CertificatePath, tls.KeyPath, tls.CaPath));
        Assert.Equal("prod", options.ClusterId);
        Assert.Equal(node.Sha256Thumbprint, NodeSecurity.Certificates(options)!.Local.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("10.1.2.3")]
    public void An_http_api_beyond_loopback_needs_api_keys(string host)
    {
        var open = Load(new() { ["http_port"] = "8080", ["http_host"] = host });
        Assert.Equal($"--http-host {host} opens the HTTP API to other machines: give API keys (--api-key-file FILE, or api_keys / MIXTRAL_NODE_API_KEYS), or keep it on 127.0.0.1",
            Refusal(open));
        NodeSecurity.Check(open with { ApiKeyFile = "keys.txt" });
        NodeSecurity.Check(open with { HttpHost = "::1" });
    }

    [Fact]
    public void Tls_files_are_checked_and_named_before_the_node_starts()
    {
        var node = _cluster.Issue("node");
        var tls = Load(new() { ["tls_certificate"] = node.CertificatePath, ["tls_key"] = node.KeyPath, ["tls_ca"] = _cluster.AuthorityPath });
        NodeSecurity.Check(tls);
        Assert.Equal("--tls-key, --tls-ca and --tls-peer-thumbprints need --tls-certificate (this node's certificate)", Refusal(tls with { TlsCertificate = null }));
        Assert.Equal("--tls-certificate: /nowhere/node.pem not found", Refusal(tls with { TlsCertificate = "/nowhere/node.pem" }));
        Assert.StartsWith($"--tls-certificate {node.CertificatePath}: could not be read as a certificate with its private key", Refusal(tls with { TlsKey = null }));
        Assert.Equal($"--tls-ca {node.KeyPath}: no certificate in the file", Refusal(tls with { TlsCa = node.KeyPath }));
        Assert.StartsWith("--tls-certificate needs --tls-ca", Refusal(tls with { TlsCa = null }));
        Assert.Equal("--tls-peer-thumbprints: \"abc\" is not a SHA-256 thumbprint (64 hex digits)", Refusal(tls with { TlsPeerThumbprints = "abc" }));
        Assert.Equal("--cluster-id must not be empty", Refusal(tls with { ClusterId = " " }));
    }

    [Fact]
    public void Peers_are_trusted_by_the_authority_or_a_pinned_thumbprint_and_nothing_else()
    {
        var self = _cluster.Issue("self");
        var sibling = Peer(_cluster.Issue("sibling"));
        var stranger = _other.Issue("stranger");
        var byAuthority = new PeerCertificateValidator(ClusterCertificates.Load(new ClusterTlsOptions
        {
            CertificatePath = self.CertificatePath, KeyPath = self.KeyPath, CaPath = _cluster.AuthorityPath,
        }));
        Assert.True(byAuthority.IsTrusted(sibling));
        Assert.False(byAuthority.IsTrusted(Peer(stranger)));
        Assert.False(byAuthority.IsTrusted(_other.Authority)); // another authority's own certificate
        Assert.False(byAuthority.IsTrusted(null));

        var pinned = new PeerCertificateValidator(ClusterCertificates.Load(new ClusterTlsOptions
        {
            CertificatePath = self.CertificatePath, KeyPath = self.KeyPath,
            PeerThumbprints = ClusterTlsOptions.ParseThumbprints(string.Join(':', Enumerable.Range(0, 32).Select(i => stranger.Sha256Thumbprint.Substring(2 * i, 2))).ToLowerInvariant(), "test"),
        }));
        Assert.True(pinned.IsTrusted(Peer(stranger)));
        Assert.False(pinned.IsTrusted(sibling)); // no authority given: only the pinned certificate
    }

    private static X509Certificate2 Peer(CertificateFiles files) => X509CertificateLoader.LoadCertificateFromFile(files.CertificatePath);
}
