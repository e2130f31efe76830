using System.Security.Authentication;
using Orleans.Connections.Security;

namespace Mixtral.Client.Security;

/// <summary>
/// The one TLS configuration of the cluster's Orleans connections, applied alike by nodes (silo and gateway
/// listeners, outgoing silo connections) and by clients: TLS 1.2 or 1.3, a certificate required from both ends, each
/// checked by <see cref="PeerCertificateValidator"/>. A peer without a certificate, or with one the CA did not issue,
/// is dropped in the handshake, before a byte of Orleans traffic.
/// </summary>
public static class ClusterTls
{
    public static void Configure(TlsOptions tls, ClusterCertificates certificates, TimeSpan handshakeTimeout)
    {
        var validator = new PeerCertificateValidator(certificates);
        tls.LocalCertificate = certificates.Local;
        tls.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Our own check replaces the platform's: it would also demand a trusted public root and a matching host name.
        tls.RemoteCertificateValidation = (certificate, chain, _) => validator.IsTrusted(certificate, chain);
        tls.HandshakeTimeout = handshakeTimeout;
    }
}
