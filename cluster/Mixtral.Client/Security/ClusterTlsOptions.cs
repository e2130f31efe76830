namespace Mixtral.Client.Security;

/// <summary>
/// Mutual TLS on the cluster's connections (silo to silo, client to gateway): this end's certificate, and who is
/// trusted at the other end. A peer is accepted when its certificate chains to one of <see cref="CaPath"/>'s
/// certificates or its SHA-256 thumbprint is listed in <see cref="PeerThumbprints"/>; host names are not checked
/// (nodes reach each other by address), so trust is the CA or the list, nothing else.
/// </summary>
public sealed record ClusterTlsOptions
{
    /// <summary>This end's certificate with its private key: a PKCS#12 file (.pfx/.p12, no password) or a PEM file.</summary>
    public required string CertificatePath { get; init; }

    /// <summary>PEM private key for a PEM <see cref="CertificatePath"/>; null: the key is in the certificate's PEM file.</summary>
    public string? KeyPath { get; init; }

    /// <summary>PEM file of the certificate authorities a peer's certificate must chain to; null: only <see cref="PeerThumbprints"/>.</summary>
    public string? CaPath { get; init; }

    /// <summary>SHA-256 thumbprints (hex) of peer certificates accepted as they are (self-signed certificates, pinning).</summary>
    public IReadOnlyList<string> PeerThumbprints { get; init; } = [];

    /// <summary>How long a TLS handshake may take before the connection is dropped.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Parses a comma-separated list of SHA-256 thumbprints (colons and spaces allowed), naming <paramref name="where"/> on error.</summary>
    public static IReadOnlyList<string> ParseThumbprints(string? text, string where)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var list = new List<string>();
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string hex = item.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
                throw new ArgumentException($"{where}: \"{item}\" is not a SHA-256 thumbprint (64 hex digits)");
            list.Add(hex);
        }
        return list;
    }
}
