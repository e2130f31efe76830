using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Mixtral.Model.Kernels;

namespace Mixtral.Bench;

/// <summary>
/// Read bandwidth from DRAM: a buffer far larger than the last-level cache summed with SIMD loads by the kernels' own
/// thread pool (so by as many threads as the model uses), best of several passes. This is the rate a decode step's
/// weights can stream at, and so the denominator of the floor.
/// </summary>
public static unsafe class MemoryBandwidth
{
    public static double MeasureGBps(long bytes = 1L << 30, int passes = 7)
    {
        long floats = bytes / sizeof(float);
        float* buffer = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            new Span<float>(buffer, checked((int)floats)).Fill(1f); // touch every page before timing
            double best = 0;
            for (int pass = 0; pass < passes; pass++)
            {
                var job = new SumJob(buffer, floats, chunks: 256);
                long start = Stopwatch.GetTimestamp();
                CpuKernels.Pool.Run(job);
                best = Math.Max(best, bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9);
                if (job.Total != floats) throw new InvalidOperationException($"bandwidth pass summed {job.Total}, expected {floats}");
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    /// <summary>Sums the buffer in chunks; four accumulators so the loads, not the adds, set the pace.</summary>
    private sealed class SumJob(float* buffer, long floats, int chunks) : ParallelJob(chunks)
    {
        private readonly long _perChunk = floats / chunks;
        private double _total;

        public double Total => Volatile.Read(ref _total);

        protected override void RunChunk(int chunk)
        {
            float* p = buffer + chunk * _perChunk;
            Vector256<float> a = default, b = default, c = default, d = default;
            for (long i = 0; i < _perChunk; i += 32)
            {
                a += Vector256.Load(p + i);
                b += Vector256.Load(p + i + 8);
                c += Vector256.Load(p + i + 16);
                d += Vector256.Load(p + i + 24);
            }
            double sum = Vector256.Sum(a + b + c + d);
            double seen, updated;
            do
            {
                seen = Volatile.Read(ref _total);
                updated = seen + sum;
            }
            while (Interlocked.CompareExchange(ref _total, updated, seen) != seen);
        }
    }
}
