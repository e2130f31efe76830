using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Experts;


using Mixtral.Cluster.Grains.Nodes;

namespace Mixtral.Cluster.Hosting;

/// <summary>
/// Activates this node's expert grains (and the coordinator, on a coordinator node) as the node starts, so
/// weights are loaded once, up front, and the first request pays no loading time.
/// </summary>
public sealed partial class NodeWarmup(NodeSettings settings, IGrainFactory grains, ILogger<NodeWarmup> logger) : IStartupTask
{
    /// <summary>How long a rejoining node waits for a stand-in to hand one of its experts back.</summary>
    private static readonly TimeSpan StandInDeparture = TimeSpan.FromSeconds(30);

    public async Task Execute(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var experts = settings.Plan.ExpertsOn(settings.NodeName).ToList();
        int done = 0;
        foreach (var key in experts)
        {
            var residency = await DescribeAsync(key);
            // A node that rejoins finds its experts still on the nodes that stood in for it while it was down; they
            // leave within a second of seeing it back (ExpertGrain), and the next call activates the expert here.
            var homecoming = System.Diagnostics.Stopwatch.StartNew();
            while (residency.NodeName != settings.NodeName && homecoming.Elapsed < StandInDeparture)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                residency = await DescribeAsync(key);
            }
            if (residency.NodeName != settings.NodeName)
                throw new InvalidOperationException($"expert {key} became active on \"{residency.NodeName}\", not on this node \"{settings.NodeName}\"");
            if (++done % 16 == 0 || done == experts.Count) LogProgress(done, experts.Count);
        }
        if (settings.Plan.Nodes.FirstOrDefault(n => n.HostsSharedWeights)?.Name == settings.NodeName)
            await grains.GetGrain<ICoordinatorGrain>(0).DescribeAsync();
        LogReady(settings.NodeName, experts.Count, started.Elapsed.TotalSeconds);
    }

    /// <summary>Where the expert is active; while stand-ins hand experts back, an activation may fail once (the cluster's
    /// views of membership settle within a second), so failures are retried for as long as a stand-in may take.</summary>
    private async Task<ExpertResidency> DescribeAsync(ExpertKey key)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await grains.GetGrain<IExpertGrain>(key.ToString()).DescribeAsync();
            }
            catch (Exception) when (started.Elapsed < StandInDeparture)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded {Done}/{Total} experts")]
    private partial void LogProgress(int done, int total);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {Node} ready: {Experts} experts loaded in {Seconds:F1} s")]
    private partial void LogReady(string node, int experts, double seconds);
}
