namespace Mixtral.Cluster.Grains.Nodes;

/// <summary>
/// `mixtral node --drain`: this node finishes what it is doing, then leaves. Once asked, the coordinator (if it runs
/// here) takes no new request (each is refused as retryable, and goes to the coordinator's next node once this one has
/// left) and the node leaves when its last request in flight has finished; expert nodes have only short calls in
/// flight, which Orleans' graceful shutdown lets finish, and their experts are activated on the surviving nodes.
/// </summary>
public sealed class NodeDrain
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight;

    public bool IsDraining => _requested.Task.IsCompleted;
    public int InFlight => Volatile.Read(ref _inFlight);
    public Task Requested => _requested.Task;

    /// <summary>Asks the node to drain; returns the requests still in flight.</summary>
    public int Request()
    {
        _requested.TrySetResult();
        return InFlight;
    }

    /// <summary>Counts one request in flight on this node's coordinator until the returned object is disposed.</summary>
    public IDisposable Track()
    {
        Interlocked.Increment(ref _inFlight);
        return new Done(this);
    }

    /// <summary>Completes once drain was asked for and no request is in flight (or <paramref name="limit"/> has passed).</summary>
    public async Task DrainedAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        await _requested.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (InFlight > 0 && waited.Elapsed < limit)
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
    }

    private sealed class Done(NodeDrain drain) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Interlocked.Decrement(ref drain._inFlight);
        }
    }
}
