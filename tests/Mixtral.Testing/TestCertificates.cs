using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mixtral.Testing;

/// <summary>A certificate and its private key written as PEM files (what an operator hands `mixtral node --tls-*`).</summary>
public sealed record CertificateFiles(string CertificatePath, string KeyPath, string Sha256Thumbprint);

/// <summary>
/// Certificate authorities and the certificates they issue, made in the test (ECDSA P-256, valid for a day) and
/// written to a temporary folder: the CA's PEM, and per issued certificate its PEM and private key. Server and client
/// authentication, for 127.0.0.1 and localhost, so one certificate serves a node's TLS ports and its HTTPS API.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates(string name)
    {
        Folder = Directory.CreateTempSubdirectory($"mixtral-certs-{name}-").FullName;
        var request = new CertificateRequest($"CN={name} test CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
        AuthorityPath = Path.Combine(Folder, "ca.pem");
        File.WriteAllText(AuthorityPath, Authority.ExportCertificatePem());
    }

    public string Folder { get; }
    public X509Certificate2 Authority { get; }

    /// <summary>The CA certificate as PEM (for --tls-ca, or NODE_EXTRA_CA_CERTS).</summary>
    public string AuthorityPath { get; }

    /// <summary>A certificate for <paramref name="name"/> issued by this authority.</summary>
    public CertificateFiles Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        var files = new CertificateFiles(Path.Combine(Folder, $"{name}.pem"), Path.Combine(Folder, $"{name}.key"),
            issued.GetCertHashString(HashAlgorithmName.SHA256));
        File.WriteAllText(files.CertificatePath, issued.ExportCertificatePem());
        File.WriteAllText(files.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return files;
    }

    public void Dispose()
    {
        _key.Dispose();
        Authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
