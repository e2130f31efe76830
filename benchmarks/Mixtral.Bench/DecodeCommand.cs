using System.CommandLine;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Serving;
using TorchSharp;

namespace Mixtral.Bench;

/// <summary>
/// `decode --model DIR`: bandwidth, the floor, decode at batch 1 and N, prefill, a LibTorch-only baseline and the
/// per-phase breakdown of a step, all in one process and one run; writes the markdown report and the chart.
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
        var output = new Option<string>("--out") { Description = "Folder for the report and the chart", DefaultValueFactory = _ => "benchmarks/results" };
        var command = new Command("decode", "Single-process decode/prefill tokens/s against the memory-bandwidth floor") { model, threads, tokens, batch, prefill, output };
        command.SetAction(async (result, ct) =>
        {
            var options = new DecodeOptions(result.GetValue(model)!, result.GetValue(threads), result.GetValue(tokens), result.GetValue(batch),
                result.GetValue(prefill), result.GetValue(output)!);
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
        var config = folder.Config;
        var modelOptions = new ModelOptions();

        Progress("measuring read bandwidth (1 GiB, best of 7)...");
        double bandwidth = MemoryBandwidth.MeasureGBps();
        var bytes = DecodeBytes.For(config, elementBytes: 4);
        Progress($"  {bandwidth:F1} GB/s; a decode step reads {bytes.Total / 1e6:F1} MB; floor {bandwidth * 1e9 / bytes.Total:F1} tokens/s");

        Progress("loading the model...");
        using var reader = folder.OpenCheckpoint();
        using var mixtral = MixtralModel.Load(reader, config, modelOptions);
        using var inference = torch.inference_mode();

        Throughput batch1, batchN, prefill;
        await using (var engine = new InferenceEngine(mixtral))
        {
            Progress("warming up...");
            await EngineRuns.DecodeAsync(engine, 1, 8, 8, config.VocabSize, ct);
            Progress($"decode, batch 1, {o.Tokens} tokens...");
            batch1 = await EngineRuns.DecodeAsync(engine, 1, o.Tokens, 8, config.VocabSize, ct);
            Progress($"  {batch1.TokensPerSecond:F1} tokens/s");
            Progress($"decode, batch {o.Batch}, {o.Tokens} tokens each...");
            batchN = await EngineRuns.DecodeAsync(engine, o.Batch, o.Tokens, 8, config.VocabSize, ct);
            Progress($"  {batchN.TokensPerSecond:F1} tokens/s aggregate");
            Progress($"prefill, {o.PrefillTokens}-token prompt, best of 3...");
            prefill = await EngineRuns.PrefillAsync(engine, o.PrefillTokens, config.VocabSize, 3, ct);
            Progress($"  {prefill.TokensPerSecond:F1} tokens/s");
        }

        Throughput libTorch1, libTorchN;
        using (CpuKernels.Suspend()) // the engine's loop starts inside this scope, so all of its steps run on LibTorch alone
        await using (var engine = new InferenceEngine(mixtral))
        {
            int fewer = Math.Max(8, o.Tokens / 2);
            Progress($"LibTorch alone (kernels off): decode batch 1 and {o.Batch}, {fewer} tokens...");
            libTorch1 = await EngineRuns.DecodeAsync(engine, 1, fewer, 8, config.VocabSize, ct);
            libTorchN = await EngineRuns.DecodeAsync(engine, o.Batch, fewer, 8, config.VocabSize, ct);
            Progress($"  {libTorch1.TokensPerSecond:F1} / {libTorchN.TokensPerSecond:F1} tokens/s");
        }

        Progress("profiling decode steps (batch 1, then batch N)...");
        var breakdown1 = await StepBreakdown.MeasureAsync(mixtral, 1, 32, 8);
        var breakdownN = await StepBreakdown.MeasureAsync(mixtral, o.Batch, 16, 8);

        var results = new DecodeResults(MachineInfo.Read(), DateTimeOffset.UtcNow, loadBefore, MachineInfo.LoadAverage(), o.Threads,
            folder.Path, config, "float32", bandwidth, bytes, batch1, batchN, prefill, libTorch1, libTorchN, breakdown1, breakdownN);
        Write(results, o.Output);
    }

    private static void Write(DecodeResults results, string folder)
    {
        Directory.CreateDirectory(folder);
        const string chart = "single-process-decode.png";
        DecodeChart.Write(results, Path.Combine(folder, chart));
        string report = Path.Combine(folder, "single-process-decode.md");
        File.WriteAllText(report, DecodeReport.Render(results, chart));
        Progress($"batch 1: {results.Batch1.TokensPerSecond:F1} tokens/s = {results.RatioToFloor(results.Batch1) * 100:F0}% of the floor " +
                 $"({results.FloorTokensPerSecond:F1}); batch {results.BatchN.Sequences}: {results.BatchN.TokensPerSecond:F1}; prefill {results.Prefill.TokensPerSecond:F1}");
        Progress($"wrote {report}");
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[bench] {message}");
}

/// <summary>The `decode` command's options, checked once with messages that name the flag.</summary>
public sealed record DecodeOptions(string Model, int Threads, int Tokens, int Batch, int PrefillTokens, string Output)
{
    public void Validate()
    {
        if (Threads < 1) throw new ArgumentException($"--threads must be at least 1, got {Threads}");
        if (Tokens < 2) throw new ArgumentException($"--tokens must be at least 2 (decode speed needs tokens after the first), got {Tokens}");
        if (Batch < 2) throw new ArgumentException($"--batch must be at least 2, got {Batch}");
        if (PrefillTokens < 2) throw new ArgumentException($"--prefill-tokens must be at least 2, got {PrefillTokens}");
    }
}
