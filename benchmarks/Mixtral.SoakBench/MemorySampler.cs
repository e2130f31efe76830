using System.Globalization;

namespace Mixtral.SoakBench;

/// <summary>Resident memory (VmRSS from /proc) of each node process, sampled while the soak runs.</summary>
public sealed class MemorySampler
{
    public sealed record Sample(double Seconds, string Node, double ResidentMiB);

    private readonly List<Sample> _samples = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<Sample> Samples
    {
        get { lock (_gate) return [.. _samples]; }
    }

    public void Take(double seconds, string node, int processId)
    {
        if (ResidentMiB(processId) is double mib)
            lock (_gate) _samples.Add(new Sample(seconds, node, mib));
    }

    private static double? ResidentMiB(int processId)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{processId}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { } // the process just died (a kill of the soak): no sample
        catch (UnauthorizedAccessException) { }
        return null;
    }
}
