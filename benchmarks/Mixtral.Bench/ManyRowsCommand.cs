using System.CommandLine;
using System.Diagnostics;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench;

/// <summary>
/// `many-rows`: float32 products with many rows (a prefill chunk's tokens per expert), LibTorch's <c>linear</c> against the
/// kernels run in passes of <see cref="FastLinear.MaxRows"/> rows, alternated in one run: which one a prefill step should use.
/// </summary>
public static class ManyRowsCommand
{
    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "Threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var rounds = new Option<int>("--rounds") { Description = "Rounds (the two alternated); the best counts", DefaultValueFactory = _ => 3 };
        var rows = new Option<int[]>("--rows") { Description = "Rows of x", DefaultValueFactory = _ => [16, 32, 64, 128], AllowMultipleArgumentsPerToken = true };
        var command = new Command("many-rows", "Float32 products with many rows: LibTorch linear vs the kernels in 32-row passes") { threads, rounds, rows };
        command.SetAction(result =>
        {
            Run(result.GetValue(threads), result.GetValue(rounds), result.GetValue(rows)!);
            return 0;
        });
        return command;
    }

    private static void Run(int threads, int rounds, int[] rowCounts)
    {
        torch.set_num_threads(threads);
        const int n = 3584, k = 1024, matrices = 12;
        using var inference = torch.inference_mode();
        var weights = Enumerable.Range(0, matrices).Select(i => randn([n, k], generator: new Generator((ulong)i))).ToArray();
        var kernels = weights.Select(w => FastLinear.For(w)!).ToArray();
        var best = new Dictionary<(string, int), double>();
        for (int round = 0; round < rounds; round++)
            foreach (int t in rowCounts)
            {
                using var x = randn([t, k]);
                best[("libtorch", t)] = Math.Max(best.GetValueOrDefault(("libtorch", t)), Gflops(t, n, k, matrices, i => nn.functional.linear(x, weights[i % matrices])));
                best[("kernels", t)] = Math.Max(best.GetValueOrDefault(("kernels", t)), Gflops(t, n, k, matrices, i =>
                {
                    var parts = new List<Tensor>();
                    for (int first = 0; first < t; first += FastLinear.MaxRows)
                    {
                        using var slice = x.narrow(0, first, Math.Min(FastLinear.MaxRows, t - first));
                        kernels[i % matrices].TryForward(slice, out var y);
                        parts.Add(y);
                    }
                    var all = cat(parts, 0);
                    foreach (var p in parts) p.Dispose();
                    return all;
                }));
            }
        foreach (var ((name, t), g) in best.OrderBy(b => b.Key.Item2))
            Console.WriteLine($"{name,-8} rows {t,3}: {g,6:F1} GFLOP/s");
    }

    private static double Gflops(int t, int n, int k, int matrices, Func<int, Tensor> multiply)
    {
        for (int i = 0; i < matrices; i++) multiply(i).Dispose();
        int calls = 2 * matrices;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) multiply(i).Dispose();
        return 2.0 * t * n * k * calls / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9;
    }
}
