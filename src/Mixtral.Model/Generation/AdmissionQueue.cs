namespace Mixtral.Model.Generation;

/// <summary>
/// Requests waiting for a place in the running batch, bounded: the engine holds at most
/// <c>capacity</c> requests at once (running + waiting), and refuses more instead of growing without bound.
/// Cancelled requests can be taken out from anywhere in the line, so they give their place back at once.
/// </summary>
internal sealed class AdmissionQueue(int capacity) : IDisposable
{
    private readonly LinkedList<ActiveSequence> _waiting = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Lock _gate = new();
    private int _held; // running + waiting
    private bool _closed;

    public enum Outcome { Queued, Full, Closed }

    /// <summary>Requests waiting (not yet in the batch).</summary>
    public int Count { get { lock (_gate) return _waiting.Count; } }

    public Outcome TryEnqueue(ActiveSequence sequence)
    {
        lock (_gate)
        {
            if (_closed) return Outcome.Closed;
            if (_held >= capacity) return Outcome.Full;
            _held++;
            _waiting.AddLast(sequence);
        }
        if (_arrived.CurrentCount == 0) _arrived.Release(); // a wake-up, not a count: the loop looks at the queue itself
        return Outcome.Queued;
    }

    public bool TryDequeue(out ActiveSequence sequence)
    {
        lock (_gate)
        {
            sequence = _waiting.First?.Value!;
            if (sequence is null) return false;
            _waiting.RemoveFirst();
            return true;
        }
    }

    /// <summary>Takes every waiting request whose caller has gone (they still hold their place until <see cref="Release"/>).</summary>
    public List<ActiveSequence> TakeCancelled()
    {
        var cancelled = new List<ActiveSequence>();
        lock (_gate)
        {
            for (var node = _waiting.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Cancelled)
                {
                    cancelled.Add(node.Value);
                    _waiting.Remove(node);
                }
                node = next;
            }
        }
        return cancelled;
    }

    /// <summary>A request left the engine (finished, failed or cancelled): its place is free.</summary>
    public void Release()
    {
        lock (_gate) _held--;
    }

    /// <summary>Waits until a request may have arrived.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _arrived.WaitAsync(cancellationToken);

    /// <summary>Refuses every later request and hands back the waiting ones.</summary>
    public List<ActiveSequence> Close()
    {
        lock (_gate)
        {
            _closed = true;
            var waiting = _waiting.ToList();
            _waiting.Clear();
            return waiting;
        }
    }

    public void Dispose() => _arrived.Dispose();
}
