using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Mixtral.Model.Kernels;
using TorchSharp;

namespace Mixtral.Bench;

/// <summary>
/// `compute-peak`: the float32 multiply-add rate this machine's cores give the kernels, with nothing to load: twelve
/// independent FMA chains in registers per thread, on one thread and then on the kernels' own pool (every thread). It is
/// the ceiling of any float32 product here, so it says when a decode step of B sequences, which needs B times the
/// model's multiply-adds per token, cannot be memory-bound: compare B · MACs per token / this rate with the step's bytes
/// / the read bandwidth. (On the 2-vCPU EPYC VM the two threads together give only ~1.3× one: they share FMA units.)
/// </summary>
public static class ComputePeakCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Threads of the kernels' pool", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("compute-peak", "Float32 multiply-adds per second from registers alone: one thread, then every thread") { threads };
        command.SetAction(result =>
        {
            torch.set_num_threads(result.GetValue(threads));
            Console.Error.WriteLine($"[compute-peak] {MachineInfo.Read().VectorIsa}; load {MachineInfo.LoadAverage()}");
            Run(1, Measure);
            Run(CpuKernels.Pool.Threads, pool => Measure(pool));
            return 0;
        });
        return command;
    }

    private const long FmasPerThread = 400_000_000; // ~0.1 s a thread at one FMA a cycle

    private static void Run(int threads, Func<int, double> measure)
    {
        double best = 0;
        for (int round = 0; round < 3; round++) best = Math.Max(best, measure(threads));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{threads} thread{(threads == 1 ? "" : "s")}: {best:F1} G float32 multiply-adds/s (best of 3)"));
    }

    private static double Measure(int threads)
    {
        var job = new FmaJob(threads);
        long start = Stopwatch.GetTimestamp();
        if (threads == 1) job.Participate();
        else CpuKernels.Pool.Run(job);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return FmasPerThread * threads * Lanes() / seconds / 1e9;
    }

    private static int Lanes() => Vector512.IsHardwareAccelerated ? 16 : 8;

    /// <summary>One chunk per thread, each a register-only FMA loop (the result is kept so the loop cannot be removed).</summary>
    private sealed class FmaJob(int chunks) : ParallelJob(chunks)
    {
        public float Sink;

        protected override void RunChunk(int chunk) => Sink += Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? Fma512() : Fma256();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float Fma512()
        {
            var m = Vector512.Create(0.9999f);
            var c = Vector512.Create(1e-6f);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
            Vector512<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
            for (long i = 0; i < FmasPerThread / 12; i++)
            {
                a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
                a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
                a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
                a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
            }
            return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float Fma256()
        {
            var m = Vector256.Create(0.9999f);
            var c = Vector256.Create(1e-6f);
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
            Vector256<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
            for (long i = 0; i < FmasPerThread / 12; i++)
            {
                a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c);
                a3 = Fma.MultiplyAdd(a3, m, c); a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
                a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c); a8 = Fma.MultiplyAdd(a8, m, c);
                a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
            }
            return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
        }
    }
}
