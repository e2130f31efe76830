using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mixtral.Client.Security;

/// <summary>
/// Whether the other end of a cluster connection is one of ours: its certificate's SHA-256 thumbprint is pinned, or it
/// chains to a pinned authority. The chain is built against those authorities only (not the machine's store, which
/// trusts the whole public web PKI), without revocation (a private CA rarely publishes a CRL).
/// </summary>
public sealed class PeerCertificateValidator(ClusterCertificates certificates)
{
    /// <param name="presented">The chain the TLS layer built; the intermediates the peer sent are taken from it.</param>
    public bool IsTrusted(X509Certificate2? peer, X509Chain? presented = null)
    {
        if (peer is null) return false;
        if (certificates.Thumbprints.Contains(peer.GetCertHashString(HashAlgorithmName.SHA256))) return true;
        if (certificates.Authorities.Count == 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(certificates.Authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.Equals(peer)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        return chain.Build(peer);
    }
}
