using System.CommandLine;
using System.Diagnostics;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench;

/// <summary>
/// `kernels`: the matrix-product kernels alone, per weight format and row count, as GB/s of weights streamed, next to the
/// read bandwidth measured right before each: where a format stands against the floor without the rest of a decode
/// step. Several matrices in rotation (more bytes than the L3 cache), formats interleaved, best of several rounds.
/// </summary>
public static class KernelsCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Threads for the kernels", DefaultValueFactory = _ => Environment.ProcessorCount };
        var rounds = new Option<int>("--rounds") { Description = "Rounds (formats interleaved); the best round counts", DefaultValueFactory = _ => 5 };
        var rows = new Option<int[]>("--rows") { Description = "Rows of x", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true };
        var isa = new Option<string>("--isa")
        {
            Description = "Kernel instruction sets to run, alternated within every round: native (the widest this CPU has), avx2 (AVX-512 rows switched off), or both",
            DefaultValueFactory = _ => "native",
        };
        var command = new Command("kernels", "Matrix-product kernels alone: GB/s of weights per format and row count") { threads, rounds, rows, isa };
        command.SetAction(result =>
        {
            Run(result.GetValue(threads), result.GetValue(rounds), result.GetValue(rows)!, KernelIsas.Parse(result.GetValue(isa)!));
            return 0;
        });
        return command;
    }

    private static unsafe void Run(int threads, int rounds, int[] rowCounts, IReadOnlyList<KernelIsa> isas)
    {
        torch.set_num_threads(threads);
        const int n = 3584, k = 1024, matrices = 24; // the `mid` expert's W1 shape; 24 of them: 352 MB in f32
        Console.Error.WriteLine($"[kernels] {MachineInfo.Read().VectorIsa}; {threads} threads; {matrices} matrices [{n}, {k}] in rotation");
        var dense = Enumerable.Range(0, matrices).Select(i => randn([n, k], generator: new Generator((ulong)i))).ToArray();
        var formats = new List<(string Name, long Bytes, Func<int, Tensor, Tensor> Multiply)>
        {
            ("f32", (long)n * k * 4, Dense(dense)),
            ("bf16", (long)n * k * 2, Dense([.. dense.Select(d => d.to(ScalarType.BFloat16))])),
        };
        foreach (var format in new[] { ExpertWeightFormat.Int8, ExpertWeightFormat.Q4 })
        {
            var q = dense.Select(d => QuantizedMatrix.Quantize(d, format, "w")).ToArray();
            formats.Add((format.ShortName(), q[0].ResidentBytes, (i, x) => QuantizedProducts.Multiply(q[i % matrices], x)));
        }
        var best = new Dictionary<(string, int, KernelIsa), double>();
        double bestBandwidth = 0;
        for (int round = 0; round < rounds; round++)
        {
            double bandwidth = MemoryBandwidth.MeasureGBps(passes: 3);
            bestBandwidth = Math.Max(bestBandwidth, bandwidth);
            foreach (var (name, bytes, multiply) in formats)
                foreach (int t in rowCounts)
                foreach (var kernelIsa in isas)
                {
                    using var use = kernelIsa.Use();
                    using var x = randn([t, k]);
                    for (int i = 0; i < matrices; i++) multiply(i, x).Dispose(); // warm
                    long start = Stopwatch.GetTimestamp();
                    int calls = 4 * matrices;
                    for (int i = 0; i < calls; i++) multiply(i, x).Dispose();
                    double gbps = bytes * (double)calls / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
                    best[(name, t, kernelIsa)] = Math.Max(best.GetValueOrDefault((name, t, kernelIsa)), gbps);
                }
            Console.Error.WriteLine($"[kernels] round {round + 1}: bandwidth {bandwidth:F1} GB/s; " +
                string.Join(", ", best.Select(b => $"{b.Key.Item1}×{b.Key.Item2} {b.Key.Item3.Name()} {b.Value:F1}")));
        }
        Console.WriteLine($"best read bandwidth {bestBandwidth:F1} GB/s");
        foreach (var ((name, t, kernelIsa), gbps) in best)
        {
            double bytesPerWeight = formats.First(f => f.Name == name).Bytes / ((double)n * k);
            string ratio = isas.Count > 1 && kernelIsa != isas[0] ? $"; {gbps / best[(name, t, isas[0])]:F2}× {isas[0].Name()}" : "";
            Console.WriteLine($"{name,-5} rows {t,2} {kernelIsa.Name(),-7}: {gbps,6:F1} GB/s of weights = {gbps / bestBandwidth * 100,4:F0}% of the best bandwidth; {gbps / bytesPerWeight * t:F1} G multiply-adds/s{ratio}");
        }
    }

    private static Func<int, Tensor, Tensor> Dense(Tensor[] weights)
    {
        var kernels = weights.Select(w => FastLinear.For(w) ?? throw new InvalidOperationException("no kernel for this CPU")).ToArray();
        return (i, x) => kernels[i % weights.Length].TryForward(x, out var y) ? y : throw new InvalidOperationException("the kernel refused x");
    }
}
