using TorchSharp;

namespace Mixtral.Model.Kernels;

/// <summary>
/// The process's kernel threads. Their number follows <c>torch.get_num_threads()</c>, so setting torch's thread count
/// (the CLI's --threads) sets both: the kernels and LibTorch's own ops never use more cores than the user gave.
/// </summary>
public static class CpuKernels
{
    private static readonly Lock Gate = new();
    private static WorkerPool? _pool;

    /// <summary>The pool for the current thread count; recreated when torch's thread count changes.</summary>
    public static WorkerPool Pool
    {
        get
        {
            int threads = Math.Max(1, torch.get_num_threads());
            var pool = Volatile.Read(ref _pool);
            if (pool is not null && pool.Threads == threads) return pool;
            lock (Gate)
            {
                if (_pool is null || _pool.Threads != threads)
                {
                    // The old pool may be running a job for another thread right now; let its helpers finish and exit.
                    var old = _pool;
                    _pool = new WorkerPool(threads);
                    old?.Dispose();
                }
                return _pool;
            }
        }
    }
}
