using System.CommandLine;
using System.Globalization;
using Mixtral.Engine;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using TorchSharp;

namespace Mixtral.Bench;

/// <summary>
/// `step-profile --model DIR --sequences 1,16`: where the time of a batched decode step goes, against that step's own
/// memory-bandwidth floor (the shared weights once, plus every expert its tokens chose, at the read bandwidth measured
/// right before). Prints one table; for judging a change to the decode path quickly, without the full `decode` report.
/// Each batch size: decode steps straight on the model with the step profiler on, then the same batch through the
/// continuous-batching engine (sampling, streams and scheduling included).
/// </summary>
public static class StepProfileCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Mixtral model folder (e.g. from `mixtral synth --preset mid`)", Required = true };
        var threads = new Option<int>("--threads") { Description = "Threads for the kernels and LibTorch", DefaultValueFactory = _ => Environment.ProcessorCount };
        var sequences = new Option<int[]>("--sequences") { Description = "Batch sizes to profile", DefaultValueFactory = _ => [1, 16], AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { Description = "Profiled decode steps per batch size", DefaultValueFactory = _ => 16 };
        var weights = new Option<string>("--weights") { Description = "Weight format: f32, bf16, int8 or q4", DefaultValueFactory = _ => "f32" };
        var command = new Command("step-profile", "Where a batched decode step's time goes, against its own bandwidth floor") { model, threads, sequences, steps, weights };
        command.SetAction(async (result, ct) =>
        {
            int[] batches = [.. result.GetValue(sequences)!.SelectMany(s => s.ToString(CultureInfo.InvariantCulture).Split(','))
                .Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            if (batches.Any(b => b < 1)) throw new ArgumentException("--sequences: every batch size must be at least 1");
            if (result.GetValue(steps) < 2) throw new ArgumentException("--steps must be at least 2");
            await RunAsync(result.GetValue(model)!, result.GetValue(threads), batches, result.GetValue(steps), WeightVariant.Named(result.GetValue(weights)!), ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(string modelDir, int threads, int[] batches, int steps, WeightVariant variant, CancellationToken ct)
    {
        torch.set_num_threads(threads);
        var folder = ModelFolder.Open(modelDir);
        var bytes = variant.Bytes(folder.Config);
        long expertBytes = bytes.Experts / folder.Config.NumHiddenLayers / folder.Config.NumExpertsPerTok; // one expert of one layer
        long shared = bytes.Total - bytes.Experts;
        Console.Error.WriteLine($"[step-profile] load {MachineInfo.LoadAverage()}; {threads} threads; {variant.Name}; loading {folder.Path}...");
        using var inference = torch.inference_mode();
        using var reader = folder.OpenCheckpoint();
        using var model = MixtralModel.Load(reader, folder.Config, variant.Options);
        await StepBreakdown.MeasureAsync(model, 2, 4, 8); // warm-up: JIT, caches, pool
        var rows = new List<(int Batch, Breakdown Profile, double Bandwidth, double EngineStepMs, double EngineCpuMs)>();
        foreach (int batch in batches)
        {
            double bandwidth = MemoryBandwidth.MeasureGBps(passes: 5);
            var profile = await StepBreakdown.MeasureAsync(model, batch, steps, 8);
            double engineStep, engineCpu;
            var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            await using (var engine = new InferenceEngine(model, options: new EngineOptions { MaxBatchSequences = Math.Max(batch, 1) }))
            {
                var run = await EngineRuns.DecodeAsync(engine, batch, steps + 1, 8, folder.Config.VocabSize, ct);
                engineStep = run.Window.TotalMilliseconds / steps;
            }
            engineCpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / (steps + 1);
            rows.Add((batch, profile, bandwidth, engineStep, engineCpu));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[step-profile] batch {batch}: {profile.PerStep.TotalMilliseconds:F1} ms per profiled step, {engineStep:F1} ms per engine step, {profile.ExpertsPerLayer:F2} experts/layer, {bandwidth:F1} GB/s"));
        }
        Console.WriteLine($"| phase (ms per step) | {string.Join(" | ", rows.Select(r => $"batch {r.Batch}"))} |");
        Console.WriteLine($"|---|{string.Concat(rows.Select(_ => "---:|"))}");
        foreach (var phase in Enum.GetValues<StepPhase>())
            Console.WriteLine($"| {phase} | {string.Join(" | ", rows.Select(r => Ms(r.Profile.PhasePerStep(phase).TotalMilliseconds)))} |");
        Console.WriteLine($"| **profiled step** | {string.Join(" | ", rows.Select(r => Ms(r.Profile.PerStep.TotalMilliseconds)))} |");
        Console.WriteLine($"| engine step (sampling, streams) | {string.Join(" | ", rows.Select(r => Ms(r.EngineStepMs)))} |");
        Console.WriteLine($"| engine CPU time per step (all threads, prefill included) | {string.Join(" | ", rows.Select(r => Ms(r.EngineCpuMs)))} |");
        var floors = rows.Select(r => (shared + r.Profile.ExpertsPerLayer * folder.Config.NumHiddenLayers * expertBytes) / (r.Bandwidth * 1e9) * 1e3).ToArray();
        Console.WriteLine($"| floor (experts/layer read) | {string.Join(" | ", rows.Select((r, i) => $"{Ms(floors[i])} ({r.Profile.ExpertsPerLayer:F2})"))} |");
        Console.WriteLine($"| engine step / floor | {string.Join(" | ", rows.Select((r, i) => (floors[i] / r.EngineStepMs).ToString("P0", CultureInfo.InvariantCulture)))} |");
        Console.WriteLine($"| bandwidth GB/s | {string.Join(" | ", rows.Select(r => r.Bandwidth.ToString("F1", CultureInfo.InvariantCulture)))} |");
        Console.Error.WriteLine($"[step-profile] load {MachineInfo.LoadAverage()}");
    }

    private static string Ms(double ms) => ms.ToString("F2", CultureInfo.InvariantCulture);
}
