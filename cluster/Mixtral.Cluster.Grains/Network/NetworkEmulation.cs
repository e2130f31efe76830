using System.Diagnostics;
using Mixtral.Cluster.Placement.Simulation;

namespace Mixtral.Cluster.Grains.Network;

/// <summary>
/// An emulated network between this node and the nodes it calls: per target node a link (the simulator's
/// <see cref="LinkModel"/> presets), each direction of a call paying one-way latency plus its bytes over the link's
/// bandwidth, calls to the same node queueing for its link (full duplex: requests and answers each have a lane).
/// Spec: a preset for every other node ("10gbe") or per node ("gpu1=1gbe,gpu2=25gbe"; nodes not named are not delayed).
/// Each direction of each link is an <see cref="EmulatedLane"/>.
/// </summary>
public sealed class NetworkEmulation
{
    private readonly LinkModel? _all;
    private readonly Dictionary<string, LinkModel> _perNode;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Node, bool Answer), EmulatedLane> _lanes = new();

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
        long sent = _lanes.GetOrAdd((node, answer), _ => new EmulatedLane()).Reserve(Stopwatch.GetTimestamp(), bytes / link.BytesPerSecond);
        return EmulatedLane.WaitUntilAsync(sent + (long)(link.LatencySeconds * Stopwatch.Frequency));
    }
}
