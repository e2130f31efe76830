using System.CommandLine;
using Mixtral.Client;
using Mixtral.Client.Security;

namespace Mixtral.Cli.Commands;

/// <summary>
/// How a client command (--cluster) reaches a cluster beyond its address: the cluster id and the client's TLS
/// certificates. Each flag falls back to an environment variable (MIXTRAL_CLUSTER_ID, MIXTRAL_TLS_CERTIFICATE,
/// MIXTRAL_TLS_KEY, MIXTRAL_TLS_CA, MIXTRAL_TLS_PEER_THUMBPRINTS), so a shell set up once reaches a TLS cluster with
/// every command.
/// </summary>
internal sealed class ClusterConnectionFlags
{
    private readonly Option<string?> _clusterId = new("--cluster-id") { Description = $"The cluster's cluster_id (default {ClusterConnectionOptions.DefaultClusterId}; env MIXTRAL_CLUSTER_ID)" };
    private readonly Option<string?> _certificate = new("--tls-certificate") { Description = "This client's certificate (PKCS#12 or PEM) for a cluster with TLS (env MIXTRAL_TLS_CERTIFICATE)" };
    private readonly Option<string?> _key = new("--tls-key") { Description = "PEM private key of a PEM --tls-certificate (env MIXTRAL_TLS_KEY)" };
    private readonly Option<string?> _ca = new("--tls-ca") { Description = "PEM file of the authority the nodes' certificates are issued by (env MIXTRAL_TLS_CA)" };
    private readonly Option<string?> _thumbprints = new("--tls-peer-thumbprints") { Description = "Comma-separated SHA-256 thumbprints of node certificates trusted as they are (env MIXTRAL_TLS_PEER_THUMBPRINTS)" };

    public void AddTo(Command command)
    {
        command.Options.Add(_clusterId);
        command.Options.Add(_certificate);
        command.Options.Add(_key);
        command.Options.Add(_ca);
        command.Options.Add(_thumbprints);
    }

    public ClusterConnectionOptions Read(ParseResult result, string gateway)
    {
        string? clusterId = Value(result, _clusterId, "MIXTRAL_CLUSTER_ID");
        if (clusterId is not null && string.IsNullOrWhiteSpace(clusterId)) throw new CliUsageException("--cluster-id must not be empty");
        string? certificate = Value(result, _certificate, "MIXTRAL_TLS_CERTIFICATE");
        string? key = Value(result, _key, "MIXTRAL_TLS_KEY"), ca = Value(result, _ca, "MIXTRAL_TLS_CA");
        string? thumbprints = Value(result, _thumbprints, "MIXTRAL_TLS_PEER_THUMBPRINTS");
        if (certificate is null && (key ?? ca ?? thumbprints) is not null)
            throw new CliUsageException("--tls-key, --tls-ca and --tls-peer-thumbprints need --tls-certificate (this client's certificate)");
        try
        {
            return new ClusterConnectionOptions
            {
                Gateway = gateway,
                ClusterId = clusterId ?? ClusterConnectionOptions.DefaultClusterId,
                Tls = certificate is null ? null : new ClusterTlsOptions
                {
                    CertificatePath = certificate,
                    KeyPath = key,
                    CaPath = ca,
                    PeerThumbprints = ClusterTlsOptions.ParseThumbprints(thumbprints, "--tls-peer-thumbprints"),
                },
            };
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message, e);
        }
    }

    private static string? Value(ParseResult result, Option<string?> option, string variable) =>
        result.GetValue(option) ?? (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v : null);
}
