using System.Runtime.CompilerServices;
using Mixtral.Cluster.Contracts.Coordinator;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Mixtral.Client;

/// <summary>
/// One generation through the coordinator, ended promptly with a <see cref="ClusterUnavailableException"/> (retryable)
/// when the coordinator's node leaves the cluster or the connection to it is lost, instead of Orleans' response timeout.
/// </summary>
internal static class WatchedGeneration
{
    public static async IAsyncEnumerable<TokenEvent> RunAsync(ICoordinatorGrain coordinator, CoordinatorWatch watch, GenerateRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var entered = watch.Enter();
        string node;
        try
        {
            node = await watch.CoordinatorNodeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionLoss(e, cancellationToken))
        {
            watch.Forget();
            throw new ClusterUnavailableException($"the cluster's coordinator could not be reached ({Cause(e)}); the request can be retried", e);
        }
        var events = coordinator.GenerateAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        bool abandoned = false;
        try
        {
            while (true)
            {
                var next = events.MoveNextAsync().AsTask();
                var gone = watch.GoneAsync(node);
                while (!next.IsCompleted && await Task.WhenAny(next, gone).ConfigureAwait(false) == gone)
                {
                    if (!await gone.ConfigureAwait(false))
                    {
                        gone = watch.GoneAsync(node); // the watch had stopped for lack of requests: watch again
                        continue;
                    }
                    abandoned = true;
                    Observe(next);
                    watch.Forget();
                    throw new ClusterUnavailableException(
                        $"the coordinator's node \"{node}\" left the cluster while this request was running; the request can be retried (the coordinator is re-activated on a surviving node)");
                }
                bool more;
                try
                {
                    more = await next.ConfigureAwait(false);
                }
                catch (Exception e) when (IsConnectionLoss(e, cancellationToken))
                {
                    abandoned = true;
                    watch.Forget();
                    throw new ClusterUnavailableException($"the connection to the coordinator on node \"{node}\" was lost ({Cause(e)}); the request can be retried", e);
                }
                if (!more) yield break;
                yield return events.Current;
            }
        }
        finally
        {
            // A lost coordinator cannot be told to stop: do not wait on it.
            if (abandoned) Observe(events.DisposeAsync().AsTask());
            else await events.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Errors that say the coordinator is out of reach, not that the request is wrong (those cross the wire as contract exceptions).</summary>
    internal static bool IsConnectionLoss(Exception e, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested, // "A task was canceled." from a dropped connection
        TimeoutException => true,
        SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException => true,
        _ => false,
    };

    /// <summary>The root cause in one line ("Unable to connect to 127.0.0.1:35257. Error: ConnectionRefused"), not Orleans' nested stack traces.</summary>
    private static string Cause(Exception e) => e.GetBaseException().Message.Split('\n', 2)[0].Trim();

    private static void Observe(Task task) =>
        task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
