using System.Diagnostics;

namespace Mixtral.Model.Kernels;

/// <summary>
/// Persistent helper threads for the CPU kernels. Handing a job to <c>Parallel.For</c> costs microseconds, as much as a
/// whole small matrix product in a decode step, so helpers stay awake (spinning) for a short while after each job
/// and only then sleep. The calling thread always takes part, so a pool of N threads has N - 1 helpers.
/// </summary>
/// <remarks>
/// One job at a time: a caller that finds the pool busy (two grains on two threads, say) runs its job alone
/// instead of waiting. A helper that wakes late finds no chunk left and goes back to waiting; completion is
/// counted per chunk, never per helper, so nobody waits for a helper that had nothing to do.
/// </remarks>
public sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle helper spins before it sleeps: longer than the gaps between the matrix products of
    /// one forward pass (tens of microseconds), short enough not to burn a core between requests.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 µs

    private readonly Thread[] _helpers;
    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping; // 1 while helper i is (about to be) blocked on _wake[i]
    private readonly Lock _gate = new();
    private ParallelJob? _job;
    private int _generation;
    private volatile bool _disposed;

    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _helpers = new Thread[threads - 1];
        _wake = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int i = 0; i < _helpers.Length; i++)
        {
            int index = i;
            _wake[i] = new SemaphoreSlim(0);
            _helpers[i] = new Thread(() => HelperLoop(index)) { IsBackground = true, Name = $"mixtral-kernel-{i + 1}" };
            _helpers[i].Start();
        }
    }

    /// <summary>Threads that work on a job, the caller included.</summary>
    public int Threads { get; }

    /// <summary>Runs every chunk of <paramref name="job"/> on the caller and the helpers; returns when all are done.</summary>
    public void Run(ParallelJob job)
    {
        if (_helpers.Length == 0 || job.ChunkCount == 1 || !_gate.TryEnter())
        {
            job.Participate();
            return;
        }
        try
        {
            Volatile.Write(ref _job, job);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < _helpers.Length; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
            job.Participate();
            job.WaitComplete();
        }
        finally
        {
            _gate.Exit();
        }
    }

    private void HelperLoop(int index)
    {
        int seen = 0;
        while (true)
        {
            int generation = WaitForNewGeneration(index, seen);
            if (_disposed) return;
            seen = generation;
            Volatile.Read(ref _job)?.Participate();
        }
    }

    private int WaitForNewGeneration(int index, int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        int generation;
        while ((generation = Volatile.Read(ref _generation)) == seen && !_disposed)
        {
            for (int i = 0; i < 64; i++) Thread.SpinWait(1);
            if (Stopwatch.GetTimestamp() < deadline) continue;
            // Announce the sleep, then look once more: either the producer sees the flag and releases us, or we see its
            // new generation here. If both happen, the producer has released the semaphore: consume that release.
            Interlocked.Exchange(ref _sleeping[index], 1);
            if (Volatile.Read(ref _generation) != seen || _disposed)
            {
                if (Interlocked.Exchange(ref _sleeping[index], 0) == 0) _wake[index].Wait();
            }
            else
            {
                _wake[index].Wait();
            }
            deadline = Stopwatch.GetTimestamp() + SpinTicks;
        }
        return generation;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < _helpers.Length; i++)
            if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
        foreach (var helper in _helpers) helper.Join();
        foreach (var wake in _wake) wake.Dispose();
    }
}
