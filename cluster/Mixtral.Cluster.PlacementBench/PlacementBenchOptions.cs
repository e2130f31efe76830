using Mixtral.Cluster.Placement.Workloads;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>
/// What `mixtral bench placement` was asked (already checked by the CLI): the model folder, how many nodes (node n0
/// is the coordinator and holds experts too, n1.. hold experts), the strategies in order, the workload, the emulated
/// network on the coordinator's expert calls, the emulated device of every node (optional), the replica budget, where routing statistics come from (a file, or a
/// warm-up run on the first cluster), an optional routing trace for the simulator's side-by-side replay, and where
/// the report goes.
/// </summary>
public sealed record PlacementBenchOptions(
    string Model,
    int Nodes,
    IReadOnlyList<string> Strategies,
    string WorkloadPath,
    Workload Workload,
    string Network,
    double ReplicaBudgetGb,
    string? StatsPath,
    string? TracePath,
    string OutDir,
    string ReportName,
    int ThreadsPerNode = 1,
    string WireDType = "bf16",
    int Repeat = 1,
    string? EmulateDevice = null)
{
    /// <summary>The node kind every node emulates (`--emulate-device`), or null when nodes compute on the machine's shared cores.</summary>
    public Placement.Simulation.NodeModel? EmulatedNode => EmulateDevice is null ? null : Placement.Simulation.NodeModel.Preset(EmulateDevice);

    /// <summary>Node names: n0 (coordinator + experts), n1 … n{N-1} (experts).</summary>
    public IReadOnlyList<string> NodeNames => [.. Enumerable.Range(0, Nodes).Select(i => $"n{i}")];

    /// <summary>Bytes per hidden value on the wire.</summary>
    public int WireBytesPerValue => WireDType == "f32" ? 4 : 2;
}
