using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mixtral.Client.Security;

/// <summary>
/// The certificates of <see cref="ClusterTlsOptions"/>, loaded and checked once before anything connects: a missing
/// file, a certificate without its private key or an expired one stops the process with a message naming the setting.
/// </summary>
public sealed class ClusterCertificates
{
    private ClusterCertificates(X509Certificate2 local, X509Certificate2Collection authorities, IReadOnlySet<string> thumbprints)
    {
        Local = local;
        Authorities = authorities;
        Thumbprints = thumbprints;
    }

    /// <summary>This end's certificate, with its private key.</summary>
    public X509Certificate2 Local { get; }

    public X509Certificate2Collection Authorities { get; }

    public IReadOnlySet<string> Thumbprints { get; }

    /// <param name="flagPrefix">How the settings are spelled where they were given ("--tls-" for flags), for the messages.</param>
    public static ClusterCertificates Load(ClusterTlsOptions options, string flagPrefix = "--tls-")
    {
        var local = LoadLocal(options.CertificatePath, options.KeyPath, flagPrefix);
        var authorities = new X509Certificate2Collection();
        if (options.CaPath is string ca)
        {
            RequireFile(ca, flagPrefix + "ca");
            try
            {
                authorities.ImportFromPemFile(ca);
            }
            catch (CryptographicException e)
            {
                throw new ArgumentException($"{flagPrefix}ca {ca}: not a PEM file of certificates ({e.Message})", e);
            }
            if (authorities.Count == 0) throw new ArgumentException($"{flagPrefix}ca {ca}: no certificate in the file");
        }
        if (authorities.Count == 0 && options.PeerThumbprints.Count == 0)
            throw new ArgumentException(
                $"{flagPrefix}certificate needs {flagPrefix}ca (the authority peers' certificates are issued by) or {flagPrefix}peer-thumbprints: otherwise no peer could be trusted");
        return new ClusterCertificates(local, authorities, options.PeerThumbprints.ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>A certificate with its private key, from PKCS#12 or PEM; names the setting and the file on error.</summary>
    public static X509Certificate2 LoadLocal(string path, string? keyPath, string flagPrefix = "--tls-")
    {
        string flag = flagPrefix + "certificate";
        RequireFile(path, flag);
        if (keyPath is not null) RequireFile(keyPath, flagPrefix + "key");
        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{flag} {path}{(keyPath is null ? "" : $" with {flagPrefix}key {keyPath}")}: could not be read as a certificate with its private key ({e.Message})", e);
        }
        if (!certificate.HasPrivateKey)
            throw new ArgumentException($"{flag} {path}: the certificate has no private key (give it in the file or with {flagPrefix}key)");
        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
            throw new ArgumentException($"{flag} {path}: the certificate is valid from {certificate.NotBefore:u} to {certificate.NotAfter:u}, not now");
        return certificate;
    }

    private static bool IsPem(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[64];
        int read = file.Read(head);
        return System.Text.Encoding.ASCII.GetString(head[..read]).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private static void RequireFile(string path, string flag)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{flag}: {path} not found");
    }
}
