namespace Mixtral.Model.Kernels;

/// <summary>
/// Work split into <see cref="ChunkCount"/> independent chunks that any number of threads claim one at a time.
/// Claiming is dynamic (one atomic add per chunk), so a thread that was descheduled on a busy machine delays
/// only the chunk it holds, not a fixed half of the work.
/// </summary>
public abstract class ParallelJob
{
    private int _next;
    private int _done;

    protected ParallelJob(int chunkCount) => ChunkCount = chunkCount;

    public int ChunkCount { get; }

    public bool IsComplete => Volatile.Read(ref _done) == ChunkCount;

    /// <summary>Runs one chunk. Chunks touch disjoint outputs, so they need no synchronisation.</summary>
    protected abstract void RunChunk(int chunk);

    /// <summary>Claims and runs chunks until none is left. Safe to call from several threads, and after the job finished.</summary>
    public void Participate()
    {
        int chunk;
        while ((chunk = Interlocked.Increment(ref _next) - 1) < ChunkCount)
        {
            RunChunk(chunk);
            Interlocked.Increment(ref _done);
        }
    }

    /// <summary>Waits (spinning: chunks are microseconds long) until every claimed chunk has finished.</summary>
    public void WaitComplete()
    {
        var spinner = new SpinWait();
        while (!IsComplete) spinner.SpinOnce(sleep1Threshold: -1);
    }
}
