using System.Diagnostics;
using Mixtral.Cluster.Placement.Simulation;

namespace Mixtral.Cluster.Grains.Network;

/// <summary>
/// An emulated network between this node and the nodes it calls: per target node a link (the simulator's
/// <see cref="LinkModel"/> presets), each direction of a call paying one-way latency plus its bytes over the link's
/// bandwidth, calls to the same node queueing for its link (full duplex: requests and answers each have a lane).
/// Spec: a preset for every other node ("10gbe") or per node ("gpu1=1gbe,gpu2=25gbe"; nodes not named are not delayed).
/// Waits are Task.Delay above a millisecond and a yielding wait for the rest, so sub-millisecond links are kept
/// to within tens of microseconds without a thread sleeping through them.
/// </summary>
public sealed class NetworkEmulation
{
    private readonly LinkModel? _all;
    private readonly Dictionary<string, LinkModel> _perNode;
    private readonly Dictionary<(string Node, bool Answer), long> _laneFreeAt = [];
    private readonly Lock _gate = new();

    private NetworkEmulation(string spec, LinkModel? all, Dictionary<string, LinkModel> perNode)
    {
        Spec = spec;
        _all = all;
        _perNode = perNode;
    }

    public string Spec { get; }

    /// <summary>Parses a spec; a bad one throws ArgumentException naming <paramref name="flag"/>.</summary>
    public static NetworkEmulation Parse(string spec, string flag = "--network")
    {
        try
        {
            if (!spec.Contains('=', StringComparison.Ordinal)) return new(spec, LinkModel.Preset(spec.Trim()), []);
            var perNode = new Dictionary<string, LinkModel>(StringComparer.Ordinal);
            foreach (string part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string[] kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
                if (kv.Length != 2 || kv[0].Length == 0) throw new ArgumentException($"\"{part}\" is not NODE=PRESET");
                perNode[kv[0]] = LinkModel.Preset(kv[1]);
            }
            return new(spec, null, perNode);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{flag} \"{spec}\": {e.Message} (give a preset for every node, e.g. 10gbe, or NODE=PRESET,...)", e);
        }
    }

    /// <summary>The link to <paramref name="node"/>, or null when calls to it are not delayed.</summary>
    public LinkModel? LinkTo(string node) => _perNode.TryGetValue(node, out var link) ? link : _all;

    /// <summary>Waits until <paramref name="bytes"/> sent now to <paramref name="node"/> (or answered by it) would have arrived.</summary>
    public Task TransferAsync(string node, bool answer, long bytes)
    {
        if (LinkTo(node) is not { } link) return Task.CompletedTask;
        long now = Stopwatch.GetTimestamp();
        long onWire = (long)(bytes / link.BytesPerSecond * Stopwatch.Frequency);
        long arrives;
        lock (_gate)
        {
            long start = Math.Max(now, _laneFreeAt.GetValueOrDefault((node, answer)));
            _laneFreeAt[(node, answer)] = start + onWire;
            arrives = start + onWire + (long)(link.LatencySeconds * Stopwatch.Frequency);
        }
        return WaitUntilAsync(arrives);
    }

    /// <summary>Waits until <see cref="Stopwatch.GetTimestamp"/> reaches <paramref name="timestamp"/> (also the device emulation's wait).</summary>
    internal static async Task WaitUntilAsync(long timestamp)
    {
        long left;
        while ((left = timestamp - Stopwatch.GetTimestamp()) > 0)
        {
            double ms = left * 1000.0 / Stopwatch.Frequency;
            if (ms > 1.5) await Task.Delay(TimeSpan.FromMilliseconds(ms - 1)).ConfigureAwait(false); // timers fire late by up to ~1 ms
            else await Task.Yield();
        }
    }
}
