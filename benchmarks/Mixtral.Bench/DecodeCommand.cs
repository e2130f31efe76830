using System.CommandLine;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Quantization;
using Mixtral.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench;

/// <summary>
/// `decode --model DIR`: read bandwidth and the floor, decode at batch 1 and N, prefill, a LibTorch-only baseline and the
/// per-phase breakdown of a step, for float32 weights and the other formats --weights names (bf16-stored, int8 and q4
/// experts, with their fidelity against float32), optionally per node at the real 8x7B dimensions, all in one process
/// and one run; writes the markdown report and the chart.
/// </summary>
public static class DecodeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Mixtral model folder (e.g. from `mixtral synth --preset mid`)", Required = true };
        var threads = new Option<int>("--threads") { Description = "Threads for the kernels and LibTorch", DefaultValueFactory = _ => Environment.ProcessorCount };
        var tokens = new Option<int>("--tokens") { Description = "New tokens per sequence in the decode runs", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Sequences in the batched decode run", DefaultValueFactory = _ => 8 };
        var prefill = new Option<int>("--prefill-tokens") { Description = "Prompt length of the prefill run", DefaultValueFactory = _ => 128 };
        var weights = new Option<string>("--weights") { Description = "Weight formats to measure: all (f32, bf16, int8, q4; default), both (f32, bf16), or a comma list starting with f32", DefaultValueFactory = _ => "all" };
        var realLayer = new Option<string?>("--real-layer") { Description = "A `mixtral synth --preset mixtral-8x7b-layer` folder: also measure bf16, int8 and q4 on one real-size layer and estimate the 32-layer model per node" };
        var output = new Option<string>("--out") { Description = "Folder for the report and the chart", DefaultValueFactory = _ => "benchmarks/results" };
        var command = new Command("decode", "Single-process decode/prefill tokens/s against the memory-bandwidth floor") { model, threads, tokens, batch, prefill, weights, output, realLayer };
        command.SetAction(async (result, ct) =>
        {
            var options = new DecodeOptions(result.GetValue(model)!, result.GetValue(threads), result.GetValue(tokens), result.GetValue(batch),
                result.GetValue(prefill), result.GetValue(weights)!, result.GetValue(output)!, result.GetValue(realLayer));
            options.Validate();
            await RunAsync(options, ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(DecodeOptions o, CancellationToken ct)
    {
        torch.set_num_threads(o.Threads);
        string loadBefore = MachineInfo.LoadAverage();
        Progress($"load average {loadBefore}; {o.Threads} threads");
        var folder = ModelFolder.Open(o.Model);
        var bandwidth = new BandwidthSamples();
        bandwidth.Measure("start");
        using var inference = torch.inference_mode();

        var variants = new List<VariantResults>();
        Throughput libTorch1, libTorchN;
        using (var reference = Load(folder, new ModelOptions()))
        {
            variants.Add(await MeasureAsync(o.Variants[0].Name, reference, o.Variants[0].Bytes(folder.Config), o, bandwidth, ct));
            (libTorch1, libTorchN) = await LibTorchAloneAsync(reference, o, ct);
            foreach (var variant in o.Variants.Skip(1))
            {
                using var mixtral = Load(folder, variant.Options);
                var measured = await MeasureAsync(variant.Name, mixtral, variant.Bytes(folder.Config), o, bandwidth, ct);
                if (variant.Quantized)
                {
                    Progress($"{variant.Name}: fidelity against float32 weights (2 prompts, 64 greedy steps)...");
                    var fidelity = await QuantizationFidelity.MeasureAsync(reference, mixtral, EngineRuns.Prompts(2, 16, folder.Config.VocabSize, seed: 3), 64, ct);
                    Progress($"  {fidelity}");
                    measured = measured with { Fidelity = fidelity };
                }
                variants.Add(measured);
            }
        }
        var real = o.RealLayer is string path ? await RealLayerAsync(path, o) : null;
        bandwidth.Measure("end");

        Write(new DecodeResults(MachineInfo.Read(), DateTimeOffset.UtcNow, loadBefore, MachineInfo.LoadAverage(), o.Threads,
            folder.Path, folder.Config, bandwidth, variants, libTorch1, libTorchN, real), o.Output);
    }

    /// <summary>bf16, int8 and q4 on one layer of the real dimensions: profiled steps at batch 1 and N.</summary>
    private static async Task<RealLayerResults> RealLayerAsync(string path, DecodeOptions o)
    {
        var folder = ModelFolder.Open(path);
        var measured = new List<RealLayerVariant>();
        foreach (var variant in WeightVariant.All.Where(v => v.Key != "f32"))
        {
            using var mixtral = Load(folder, variant.Options);
            Progress($"real-size layer, {variant.Name}: profiling decode steps (batch 1, then batch {o.Batch})...");
            await StepBreakdown.MeasureAsync(mixtral, 1, 2, 8); // warm-up
            var one = await StepBreakdown.MeasureAsync(mixtral, 1, 16, 8);
            var many = await StepBreakdown.MeasureAsync(mixtral, o.Batch, 8, 8);
            Progress($"  batch 1 step {one.PerStep.TotalMilliseconds:F1} ms, batch {o.Batch} step {many.PerStep.TotalMilliseconds:F1} ms");
            measured.Add(new RealLayerVariant(variant, one, many));
        }
        return new RealLayerResults(folder.Path, folder.Config, measured);
    }

    private static MixtralModel Load(ModelFolder folder, ModelOptions options)
    {
        Progress($"loading the model (matrices in {options.MatrixDType}, experts {options.ExpertFormat.ShortName()})...");
        using var reader = folder.OpenCheckpoint();
        return MixtralModel.Load(reader, folder.Config, options);
    }

    private static async Task<VariantResults> MeasureAsync(string name, MixtralModel model, DecodeBytes bytes, DecodeOptions o,
        BandwidthSamples bandwidth, CancellationToken ct)
    {
        int vocab = model.Config.VocabSize;
        Progress($"{name}: a decode step reads {bytes.Total / 1e6:F1} MB");
        Throughput batch1, batchN, prefill;
        var batch1Runs = new List<RunAtBandwidth>();
        await using (var engine = new InferenceEngine(model))
        {
            await EngineRuns.DecodeAsync(engine, 1, 8, 8, vocab, ct); // warm-up: JIT, caches, thread pool
            batch1 = await BestOfAsync(3, $"{name}: decode, batch 1, {o.Tokens} tokens", bandwidth,
                () => EngineRuns.DecodeAsync(engine, 1, o.Tokens, 8, vocab, ct), batch1Runs);
            batchN = await BestOfAsync(2, $"{name}: decode, batch {o.Batch}, {o.Tokens} tokens each", bandwidth,
                () => EngineRuns.DecodeAsync(engine, o.Batch, o.Tokens, 8, vocab, ct));
            Progress($"{name}: prefill, {o.PrefillTokens}-token prompt, best of 3...");
            prefill = await EngineRuns.PrefillAsync(engine, o.PrefillTokens, vocab, 3, ct);
            Progress($"  {prefill.TokensPerSecond:F1} tokens/s");
        }
        Progress($"{name}: profiling decode steps (batch 1, then batch {o.Batch})...");
        var breakdown1 = await StepBreakdown.MeasureAsync(model, 1, 32, 8);
        var breakdownN = await StepBreakdown.MeasureAsync(model, o.Batch, 16, 8);
        return new VariantResults(name, bytes, batch1, batchN, prefill, breakdown1, breakdownN, Batch1Runs: batch1Runs);
    }

    private static async Task<(Throughput Batch1, Throughput BatchN)> LibTorchAloneAsync(MixtralModel model, DecodeOptions o, CancellationToken ct)
    {
        int fewer = Math.Max(8, o.Tokens / 2), vocab = model.Config.VocabSize;
        using (CpuKernels.Suspend()) // the engine's loop starts inside this scope, so all of its steps run on LibTorch alone
        await using (var engine = new InferenceEngine(model))
        {
            Progress($"LibTorch alone (kernels off): decode batch 1 and {o.Batch}, {fewer} tokens...");
            var batch1 = await EngineRuns.DecodeAsync(engine, 1, fewer, 8, vocab, ct);
            var batchN = await EngineRuns.DecodeAsync(engine, o.Batch, fewer, 8, vocab, ct);
            Progress($"  {batch1.TokensPerSecond:F1} / {batchN.TokensPerSecond:F1} tokens/s");
            return (batch1, batchN);
        }
    }

    /// <summary>
    /// The best of several runs, each preceded by a bandwidth sample: other processes on a shared machine only ever slow a
    /// run down, so the best run and the best bandwidth sample are the two numbers measured under the quietest conditions.
    /// </summary>
    private static async Task<Throughput> BestOfAsync(int runs, string what, BandwidthSamples bandwidth, Func<Task<Throughput>> run,
        List<RunAtBandwidth>? each = null)
    {
        Throughput? best = null;
        for (int r = 1; r <= runs; r++)
        {
            double gbps = bandwidth.Measure(what);
            Progress($"{what} (run {r} of {runs})...");
            var result = await run();
            Progress($"  {result.TokensPerSecond:F1} tokens/s");
            each?.Add(new RunAtBandwidth(result.TokensPerSecond, gbps));
            if (best is null || result.TokensPerSecond > best.TokensPerSecond) best = result;
        }
        return best!;
    }

    private static void Write(DecodeResults results, string folder)
    {
        Directory.CreateDirectory(folder);
        const string chart = "single-process-decode.png";
        DecodeChart.Write(results, Path.Combine(folder, chart));
        string report = Path.Combine(folder, "single-process-decode.md");
        File.WriteAllText(report, DecodeReport.Render(results, chart));
        foreach (var v in results.Variants)
            Progress($"{v.Name}: batch 1 {v.Batch1.TokensPerSecond:F1} tokens/s = {results.RatioToFloor(v.Batch1, v.Bytes) * 100:F0}% of the floor " +
                     $"({results.FloorTokensPerSecond(v.Bytes):F1}); batch {v.BatchN.Sequences} {v.BatchN.TokensPerSecond:F1}; prefill {v.Prefill.TokensPerSecond:F1}");
        Progress($"wrote {report}");
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
}

