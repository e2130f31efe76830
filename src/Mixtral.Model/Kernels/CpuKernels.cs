using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Kernels;

/// <summary>
/// Where the hand-written CPU kernels apply, and the threads they run on. The kernels cover the small, latency-bound
/// shapes of decoding (a few rows per step) where LibTorch's per-op overhead and its few-row GEMM dominate; the layers
/// ask <see cref="Handles"/> and fall back to LibTorch for anything else (GPU, 16-bit, large batches).
/// </summary>
public static class CpuKernels
{
    private static readonly AsyncLocal<bool> Suspended = new();
    private static readonly Lock Gate = new();
    private static WorkerPool? _pool;

    /// <summary>True when this CPU has the instructions the kernels use and no <see cref="Suspend"/> scope is active.</summary>
    public static bool Enabled => DotKernel.IsSupported && !Suspended.Value;

    /// <summary>True when the kernels can work on <paramref name="t"/> in place: a contiguous float32 CPU tensor of at most
    /// 2 GB (TorchSharp hands out a tensor's memory as an int-sized span).</summary>
    public static bool Handles(Tensor t) =>
        Enabled && t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU && t.is_contiguous()
        && t.NumberOfElements <= int.MaxValue / sizeof(float);

    /// <summary>
    /// Runs everything in the current async flow on LibTorch alone until the scope is disposed: how tests and benchmarks
    /// compare the two paths in one process without touching other flows.
    /// </summary>
    public static IDisposable Suspend()
    {
        bool previous = Suspended.Value;
        Suspended.Value = true;
        return new Restore(previous);
    }

    /// <summary>The address of a dense float32 CPU tensor's first element; valid while the tensor lives and is not resized.</summary>
    public static unsafe float* Pointer(Tensor t) => (float*)Address(t);

    /// <summary>The address of a dense CPU tensor's first byte, whatever its dtype.</summary>
    public static unsafe byte* Address(Tensor t)
    {
        fixed (byte* p = t.bytes) return p;
    }

    /// <summary>
    /// The kernel threads. Their number follows <c>torch.get_num_threads()</c>, so setting torch's thread count (the
    /// CLI's --threads) sets both: the kernels and LibTorch's own ops never use more cores than the user gave.
    /// </summary>
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
                    // A job running on the old pool finishes on its caller's thread; its helpers just exit.
                    var old = _pool;
                    Volatile.Write(ref _pool, new WorkerPool(threads));
                    old?.Dispose();
                }
                return _pool!;
            }
        }
    }

    private sealed class Restore(bool previous) : IDisposable
    {
        public void Dispose() => Suspended.Value = previous;
    }
}
