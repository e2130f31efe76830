using Mixtral.Cluster.Contracts.Coordinator;
using Orleans.Runtime;

namespace Mixtral.Client;

/// <summary>
/// Notices that the coordinator's node left the cluster while requests are in flight. Orleans would let such a request
/// wait for its response timeout (30 s) and then fail with a bare TimeoutException or "A task was canceled."; instead,
/// while any request runs, one loop per client asks the cluster's membership (the management grain, through any live
/// gateway) every <see cref="Period"/> whether the coordinator's node is still an active member. So a request learns
/// of the loss within about one period of the cluster declaring the node dead (the node's membership settings: a few
/// seconds), as a <see cref="ClusterUnavailableException"/>.
/// </summary>
internal sealed class CoordinatorWatch : IDisposable
{
    private readonly IClusterClient _client;
    /// <summary>Taken once: the token stays readable after <see cref="Dispose"/> (which cancels it first).</summary>
    private readonly CancellationToken _stopped;
    private int _disposedOnce;

    public CoordinatorWatch(IClusterClient client)
    {
        _client = client;
        _stopped = _disposed.Token;
    }

    /// <summary>Between two membership reads while requests run.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);
    /// <summary>A membership read or the coordinator's description that takes longer is given up (and retried next period).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private string? _node;
    private string? _watched;
    private Task<bool>? _watch;
    private int _inFlight;

    private long _confirmedAt;

    /// <summary>The node the coordinator is active on: known while the watch keeps seeing it for other requests in flight,
    /// asked again otherwise (the node may have left since, e.g. drained: asking activates the coordinator where it now
    /// belongs). Call it after <see cref="Enter"/>.</summary>
    public async Task<string> CoordinatorNodeAsync(CancellationToken cancellationToken)
    {
        bool watched = Volatile.Read(ref _inFlight) > 1; // besides the caller's own request
        if (watched && Volatile.Read(ref _node) is { } known && System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _confirmedAt)) < Period * 4) return known;
        var status = await _client.GetGrain<ICoordinatorGrain>(0).DescribeAsync().WaitAsync(CallTimeout * 4, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _node, status.NodeName);
        Volatile.Write(ref _confirmedAt, System.Diagnostics.Stopwatch.GetTimestamp());
        return status.NodeName;
    }

    /// <summary>Forget the coordinator's node (it was lost, or a call failed): the next request asks again.</summary>
    public void Forget() => Volatile.Write(ref _node, null);

    public IDisposable Enter()
    {
        Interlocked.Increment(ref _inFlight);
        return new Exit(this);
    }

    /// <summary>Completes with true once <paramref name="node"/> is no longer an active member; with false when no request is left to watch for.</summary>
    public Task<bool> GoneAsync(string node)
    {
        lock (_gate)
        {
            if (_watched != node || _watch is null || _watch.IsCompleted)
            {
                _watched = node;
                _watch = PollAsync(node);
            }
            return _watch;
        }
    }

    private async Task<bool> PollAsync(string node)
    {
        var management = _client.GetGrain<IManagementGrain>(0);
        while (!_stopped.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Period, _stopped).ConfigureAwait(false);
                if (Volatile.Read(ref _inFlight) == 0) return false;
                var hosts = await management.GetDetailedHosts(onlyActive: true).WaitAsync(CallTimeout, _stopped).ConfigureAwait(false);
                if (!hosts.Any(h => h.SiloName == node)) return true;
                if (Volatile.Read(ref _node) == node) Volatile.Write(ref _confirmedAt, System.Diagnostics.Stopwatch.GetTimestamp());
            }
            catch (OperationCanceledException) when (_stopped.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e) when (e is TimeoutException or OrleansException)
            {
                // The gateway this read went through may be the one that died: the next read goes through another.
            }
        }
        return false;
    }

    /// <summary>Idempotent: a client handed to a gateway may be disposed by both.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposedOnce, 1) != 0) return;
        _disposed.Cancel();
        _disposed.Dispose();
    }

    private sealed class Exit(CoordinatorWatch watch) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref watch._inFlight);
        }
    }
}
