using System.Globalization;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Config;
using Mixtral.Cluster.Processes;

namespace Mixtral.ClusterBench;

/// <summary>The benchmark's cluster: a coordinator and two expert nodes (round-robin), each with its own thread count.</summary>
public static class LoopbackCluster
{
    public static Task<ClusterProcesses> StartAsync(string model, MixtralConfig config, int threads, int expertThreads, string wire)
    {
        var plan = new RoundRobinStrategy().Place(config,
            [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)]);
        return ClusterProcesses.StartAsync(plan, model, node =>
            ["--threads", (node.HostsSharedWeights ? threads : expertThreads).ToString(CultureInfo.InvariantCulture), "--wire-dtype", wire]);
    }
}
