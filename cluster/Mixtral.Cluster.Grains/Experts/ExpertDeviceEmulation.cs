using Mixtral.Cluster.Grains.Network;
using Mixtral.Cluster.Placement.Simulation;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// An emulated compute device for this node's expert calls (placement experiments on one machine). The node processes
/// of one machine share its cores, so a node's real compute time is not its own: placement cannot change how long the
/// shared cores take in all. With this, every expert call on the node also occupies one emulated device for as long as
/// a Mixtral-8x7B expert in bf16 would take on the modelled node (<see cref="EmulatedExpert"/>: the simulator's cost),
/// the calls of one node queueing for that device (an <see cref="EmulatedLane"/>), as on a real node with one
/// accelerator or one memory bus. Waiting costs no CPU, so the emulated nodes are independent of each other like
/// separate machines, and what placement changes (rows and calls per node) shows in throughput.
/// Spec: a <see cref="NodeModel.Preset"/> (cpu, gpu24, GBPS/TFLOPS).
/// </summary>
public sealed class ExpertDeviceEmulation
{
    private readonly EmulatedLane _device = new();

    private ExpertDeviceEmulation(string spec, NodeModel node)
    {
        Spec = spec;
        Node = node;
    }

    public string Spec { get; }

    /// <summary>The modelled node's read bandwidth and FLOP rate.</summary>
    public NodeModel Node { get; }

    /// <summary>Parses a spec; a bad one throws ArgumentException naming <paramref name="flag"/>.</summary>
    public static ExpertDeviceEmulation Parse(string spec, string flag = "--emulate-device")
    {
        try
        {
            return new(spec, NodeModel.Preset(spec));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{flag} \"{spec}\": {e.Message}", e);
        }
    }

    /// <summary>How long the emulated device is busy with one call of <paramref name="rows"/> rows.</summary>
    public TimeSpan CallTime(int rows) => TimeSpan.FromSeconds(EmulatedExpert.CallSeconds(Node, rows));

    /// <summary>
    /// Occupies the device for a call of <paramref name="rows"/> rows that arrived at <paramref name="arrivedTimestamp"/>
    /// (its real compute runs meanwhile): the call starts when the device is free, and this completes when it would
    /// have finished. Returns the emulated busy time.
    /// </summary>
    public async Task<TimeSpan> OccupyAsync(int rows, long arrivedTimestamp)
    {
        var busy = CallTime(rows);
        await EmulatedLane.WaitUntilAsync(_device.Reserve(arrivedTimestamp, busy.TotalSeconds)).ConfigureAwait(false);
        return busy;
    }
}
