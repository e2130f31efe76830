using Mixtral.Client;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral node --drain --node-name NAME --cluster HOST:PORT`: asks a running node to finish its requests in flight and
/// leave the cluster, and waits until it has left (its experts, or the coordinator, then run on the surviving nodes).
/// </summary>
internal static class NodeDrainCommand
{
    public static async Task<int> RunAsync(string? cluster, string? nodeName, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(nodeName)) throw new CliUsageException("--drain needs --node-name: the node to drain");
        if (string.IsNullOrWhiteSpace(cluster)) throw new CliUsageException("--drain needs --cluster HOST:PORT: a gateway of the cluster (another node's, so the answer is not cut off when the node leaves)");
        await using var client = await MixtralClusterClient.ConnectAsync(cluster, cancellationToken);
        if (!(await client.ActiveNodesAsync()).Contains(nodeName))
            throw new CliUsageException($"--node-name {nodeName}: no active node of that name in the cluster (active: {string.Join(", ", await client.ActiveNodesAsync())})");
        int inFlight = await client.DrainNodeAsync(nodeName);
        Console.Error.WriteLine($"node {nodeName} draining: {inFlight} request(s) in flight to finish, then it leaves");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            try
            {
                if (!(await client.ActiveNodesAsync()).Contains(nodeName)) break;
            }
            catch (Exception e) when (e is TimeoutException or Orleans.Runtime.OrleansException)
            {
                break; // the gateway we asked through was the draining node's own, and it has gone
            }
        }
        Console.Error.WriteLine($"node {nodeName} left the cluster after {waited.Elapsed.TotalSeconds:F1} s");
        return 0;
    }
}
