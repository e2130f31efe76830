using System.Globalization;

namespace Mixtral.Cluster.Placement.Reporting;

/// <summary>Byte counts for people: decimal gigabytes (10^9 B, as checkpoint sizes are quoted) with two decimals.</summary>
public static class ByteText
{
    public const double BytesPerGb = 1e9;

    public static string Mb(long bytes) => (bytes / 1e6).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Gb(long bytes) => (bytes / BytesPerGb).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>"37.04 GB (37,039,851,520 bytes)": rounded for reading, exact for checking.</summary>
    public static string GbWithBytes(long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{Gb(bytes)} GB ({bytes:N0} bytes)");
}
