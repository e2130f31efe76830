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

    /// <summary>Records a reading taken some other way (the coordinator's managed heap, from its /metrics).</summary>
    public void Add(double seconds, string series, double mib)
    {
        lock (_gate) _samples.Add(new Sample(seconds, series, mib));
    }

    /// <summary>
    /// The managed heap after the last garbage collection, summed over generations, from a node's Prometheus page
    /// (the runtime's "System.Runtime" meter): what grows here is .NET objects kept alive; what grows only in VmRSS is
    /// native memory (LibTorch, the allocator's arenas).
    /// </summary>
    public static async Task<double?> ManagedHeapMiBAsync(HttpClient http)
    {
        try
        {
            string text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            double bytes = 0;
            bool found = false;
            foreach (string line in text.Split('\n'))
            {
                if (!line.StartsWith("dotnet_gc_last_collection_heap_size_bytes{", StringComparison.Ordinal)) continue;
                bytes += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                found = true;
            }
            return found ? bytes / (1024 * 1024) : null;
        }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
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
