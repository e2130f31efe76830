using System.Globalization;

namespace Mixtral.Cluster.Placement.Simulation;

/// <summary>A network link between the coordinator and each node: one-way latency and bandwidth (full duplex).</summary>
public sealed record LinkModel(string Name, double LatencySeconds, double BytesPerSecond)
{
    /// <summary>
    /// Presets. Bandwidth is the line rate less ~10% for TCP/IP and framing. Latency is one-way through the kernel's
    /// TCP stack on a switched LAN; not measured here (see the report's calibration section).
    /// </summary>
    public static LinkModel Preset(string name) => name.ToLowerInvariant() switch
    {
        "1gbe" => new("1 GbE", 60e-6, 0.9 * 1e9 / 8),
        "10gbe" => new("10 GbE", 25e-6, 0.9 * 10e9 / 8),
        "25gbe" => new("25 GbE", 15e-6, 0.9 * 25e9 / 8),
        "100gbe" => new("100 GbE", 8e-6, 0.9 * 100e9 / 8),
        _ => throw new ArgumentException($"unknown network preset \"{name}\" (expected 1gbe, 10gbe, 25gbe or 100gbe)"),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} ({LatencySeconds * 1e6:F0} µs one-way, {BytesPerSecond / 1e9:F2} GB/s)");
}

/// <summary>What one node computes at: the memory bandwidth its weights stream at, and its dense FLOP rate.</summary>
public sealed record NodeModel(double WeightBytesPerSecond, double FlopsPerSecond)
{
    /// <summary>A commodity 24 GB GPU (RTX 4090 class): ~1 TB/s, ~150 TFLOP/s dense bf16 (spec sheets, not measured here).</summary>
    public static NodeModel CommodityGpu { get; } = new(1.0e12, 150e12);

    /// <summary>A 2-core CPU node like this project's build machines: ~40 GB/s read, ~116 GFLOP/s (ENVIRONMENT.md).</summary>
    public static NodeModel CpuNode { get; } = new(40e9, 0.116e12);

    /// <summary>Presets by name: gpu24 (<see cref="CommodityGpu"/>), cpu (<see cref="CpuNode"/>), or GBPS/TFLOPS (e.g. 40/0.116).</summary>
    public static NodeModel Preset(string name)
    {
        string spec = name.Trim().ToLowerInvariant();
        if (spec == "gpu24") return CommodityGpu;
        if (spec == "cpu") return CpuNode;
        string[] parts = spec.Split('/');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double gbps) && double.IsFinite(gbps) && gbps > 0
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double tflops) && double.IsFinite(tflops) && tflops > 0)
            return new(gbps * 1e9, tflops * 1e12);
        throw new ArgumentException($"unknown node model \"{name}\" (expected cpu, gpu24, or GBPS/TFLOPS with both positive, e.g. 40/0.116)");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{WeightBytesPerSecond / 1e9:G4} GB/s, {FlopsPerSecond / 1e12:G4} TFLOP/s");
}

/// <summary>
/// The modelled cluster: a link per node, each node's compute, and the calibration inputs the simulator takes:
/// <see cref="CallOverheadSeconds"/> (fixed cost of one expert call beyond the wire: serialisation, RPC dispatch,
/// kernel launch) and per-node bandwidth overrides (<see cref="NodeOverrides"/>, e.g. measured read bandwidth).
/// <see cref="CallsPerNode"/> models a variant of the coordinator that sends one call per node carrying each token
/// once and gets back the weighted sum of that node's experts, instead of one call per expert (today's design).
/// <see cref="CoordinatorLinkShared"/>: every remote row crosses the coordinator's own link (one NIC, the physical
/// case); false models a coordinator whose uplink is never the bottleneck, only the per-node links (what the node
/// option <c>network</c> emulates, so the real placement benchmark is compared against this).
/// </summary>
public sealed record SimulatedCluster(
    LinkModel Link,
    NodeModel Node,
    double CallOverheadSeconds,
    IReadOnlyDictionary<string, NodeModel>? NodeOverrides = null,
    bool CallsPerNode = false,
    bool CoordinatorLinkShared = true)
{
    public NodeModel NodeFor(string name) => NodeOverrides is { } o && o.TryGetValue(name, out var m) ? m : Node;
}
