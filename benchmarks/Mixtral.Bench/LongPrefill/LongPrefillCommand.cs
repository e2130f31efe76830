using System.CommandLine;
using Mixtral.Engine;
using Mixtral.Model.Inference;
using TorchSharp;

namespace Mixtral.Bench.LongPrefill;

/// <summary>
/// `long-prefill --model DIR`: N streams decode while one long prompt arrives; the streams' inter-token latency with the
/// prompt prefilled in one step (chunking off) and in chunks of each given size, one model, one process, one run.
/// </summary>
public static class LongPrefillCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Mixtral model folder (e.g. from `mixtral synth --preset mid`)", Required = true };
        var threads = new Option<int>("--threads") { Description = "Threads for the kernels and LibTorch", DefaultValueFactory = _ => Environment.ProcessorCount };
        var streams = new Option<int>("--streams") { Description = "Streams decoding when the long prompt arrives", DefaultValueFactory = _ => 4 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Length of the long prompt", DefaultValueFactory = _ => 2000 };
        var chunks = new Option<string>("--chunks") { Description = "Prefill chunk sizes to compare, comma-separated; 0 = off (the whole prompt in one step)", DefaultValueFactory = _ => "0,512,128" };
        var repeats = new Option<int>("--repeats") { Description = "Rounds over the chunk sizes, interleaved, so load changes on a shared machine hit every setting", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--out") { Description = "Folder for the report and the chart", DefaultValueFactory = _ => "benchmarks/results" };
        var command = new Command("long-prefill", "Inter-token latency of running streams while a long prompt is prefilled, chunking off vs on")
            { model, threads, streams, promptTokens, chunks, repeats, output };
        command.SetAction(async (result, ct) =>
        {
            var options = new LongPrefillOptions(result.GetValue(model)!, result.GetValue(threads), result.GetValue(streams),
                result.GetValue(promptTokens), LongPrefillOptions.ParseChunks(result.GetValue(chunks)!), result.GetValue(repeats), result.GetValue(output)!);
            await RunAsync(options, ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(LongPrefillOptions o, CancellationToken ct)
    {
        var folder = ModelFolder.Open(o.Model);
        o.Validate(folder.Config.MaxPositionEmbeddings);
        torch.set_num_threads(o.Threads);
        string loadBefore = MachineInfo.LoadAverage();
        using var inference = torch.inference_mode();
        Console.Error.WriteLine($"[long-prefill] load average {loadBefore}; loading {folder.Path}...");
        MixtralModel mixtral;
        using (var reader = folder.OpenCheckpoint()) mixtral = MixtralModel.Load(reader, folder.Config, new ModelOptions());
        using var _ = mixtral;

        var runs = new List<LongPrefillRun>();
        Console.Error.WriteLine("[long-prefill] warm-up run (64-token prompt)...");
        await LongPrefillScenario.RunAsync(mixtral, o with { PromptTokens = 64 }, chunk: 0, ct); // warm-up: kernels, pools, caches
        foreach (int round in Enumerable.Range(1, o.Repeats))
        foreach (int chunk in o.Chunks)
        {
            Console.Error.WriteLine($"[long-prefill] round {round} of {o.Repeats}, chunk {(chunk == 0 ? "off" : chunk)}: load average {MachineInfo.LoadAverage()}");
            var run = await LongPrefillScenario.RunAsync(mixtral, o, chunk, ct) with { Round = round };
            Console.Error.WriteLine($"[long-prefill] {run.Label}: inter-token p50 {run.DuringPrefill.P50Ms:F0} ms, p99 {run.DuringPrefill.P99Ms:F0} ms, " +
                $"max {run.DuringPrefill.MaxMs:F0} ms while the prompt was prefilled; its first token after {run.LongTimeToFirstToken.TotalSeconds:F2} s");
            runs.Add(run);
        }
        Directory.CreateDirectory(o.Output);
        LongPrefillReport.Write(new LongPrefillResults(MachineInfo.Read(), DateTimeOffset.UtcNow, loadBefore, MachineInfo.LoadAverage(),
            o, folder.Path, folder.Config, runs), o.Output);
    }
}
