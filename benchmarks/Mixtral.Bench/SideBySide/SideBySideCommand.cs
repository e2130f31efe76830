using System.CommandLine;
using Mixtral.Engine;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using TorchSharp;

namespace Mixtral.Bench.SideBySide;

/// <summary>
/// `side-by-side`: our engine and llama.cpp on the same model, format by format (f32–F32, bf16–F16, int8–Q8_0,
/// q4–Q4_K_M), alternated within one process run: round by round, each format's three figures (one sequence decoding,
/// N sequences decoding together, one prompt) are taken by one side and then the other (the order flips every round),
/// with a read-bandwidth sample before each format. This VM's memory bandwidth and compute move between runs (minutes
/// apart: ~35 or ~60 GB/s), so only figures taken this way are compared; the best round of each side counts.
/// </summary>
public static class SideBySideCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Mixtral model folder (e.g. from `mixtral synth --preset mid`)", Required = true };
        var gguf = new Option<string>("--gguf-dir") { Description = "Folder with f32.gguf, f16.gguf, q8_0.gguf and q4_k_m.gguf of the same model (export-gguf, then llama-quantize)", Required = true };
        var bin = new Option<string>("--llama-bin") { Description = "Folder with llama.cpp's llama-bench and llama-batched-bench", Required = true };
        var build = new Option<string>("--llama-build") { Description = "How that llama.cpp was built, for the report", DefaultValueFactory = _ => "" };
        var threads = new Option<int>("--threads") { Description = "Threads for both sides", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; the best of each side counts", DefaultValueFactory = _ => 3 };
        var tokens = new Option<int>("--tokens") { Description = "New tokens per sequence in the decode runs", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Sequences decoding together", DefaultValueFactory = _ => 8 };
        var prefill = new Option<int>("--prefill-tokens") { Description = "Prompt length of the prefill run", DefaultValueFactory = _ => 128 };
        var output = new Option<string>("--out") { Description = "Folder for the report and the chart", DefaultValueFactory = _ => "benchmarks/results" };
        var name = new Option<string>("--name") { Description = "Report file name (without .md)", DefaultValueFactory = _ => "llama-cpp-side-by-side" };
        var note = new Option<string>("--note") { Description = "A line for the report (the script's same-model check)", DefaultValueFactory = _ => "" };
        var formats = new Option<string>("--formats") { Description = $"Our formats to run, a comma list of {string.Join(", ", Pairing.Keys)} (each against its llama.cpp peer)", DefaultValueFactory = _ => string.Join(",", Pairing.Keys) };
        var command = new Command("side-by-side", "Our engine and llama.cpp on the same model, alternated in one run")
        {
            model, gguf, bin, build, threads, rounds, tokens, batch, prefill, output, name, note, formats,
        };
        command.SetAction(async (r, ct) =>
        {
            var o = new SideBySideOptions(r.GetValue(model)!, r.GetValue(gguf)!, r.GetValue(bin)!, r.GetValue(build)!, r.GetValue(threads),
                r.GetValue(rounds), r.GetValue(tokens), r.GetValue(batch), r.GetValue(prefill), r.GetValue(output)!, r.GetValue(name)!, r.GetValue(note)!,
                SideBySideOptions.ParseFormats(r.GetValue(formats)!));
            o.Validate();
            await RunAsync(o, ct);
            return 0;
        });
        return command;
    }

    private static async Task RunAsync(SideBySideOptions o, CancellationToken ct)
    {
        torch.set_num_threads(o.Threads);
        var llama = new LlamaCpp(o.LlamaBin, o.Threads);
        string loadBefore = MachineInfo.LoadAverage();
        var folder = ModelFolder.Open(o.Model);
        var pairings = Pairing.All(o.GgufDir, o.Formats);
        var ggufs = pairings.ToDictionary(p => p.LlamaFormat, p => llama.Describe(p.GgufFile));
        using var inference = torch.inference_mode();

        var engines = new Dictionary<string, (MixtralModel Model, InferenceEngine Engine)>();
        try
        {
            foreach (var p in pairings)
            {
                Progress($"loading ours: {p.Ours.Name}...");
                using var reader = folder.OpenCheckpoint();
                var mixtral = MixtralModel.Load(reader, folder.Config, p.Ours.Options);
                var engine = new InferenceEngine(mixtral);
                await EngineRuns.DecodeAsync(engine, 1, 8, 8, folder.Config.VocabSize, ct); // warm-up: JIT, caches
                engines[p.Ours.Key] = (mixtral, engine);
            }
            var figures = new List<RoundFigures>();
            for (int round = 1; round <= o.Rounds; round++)
            {
                foreach (var p in pairings)
                {
                    Progress($"round {round}/{o.Rounds}, {p.Ours.Key} vs {p.LlamaFormat}");
                    var sides = new List<Func<double, Task<RoundFigures>>>
                    {
                        bandwidth => OursAsync(round, p, engines[p.Ours.Key].Engine, folder.Config.VocabSize, bandwidth, o, ct),
                        bandwidth => Task.FromResult(Llama(round, p, llama, bandwidth, o)),
                    };
                    if (round % 2 == 0) sides.Reverse(); // each side goes first in every other round
                    foreach (var side in sides)
                    {
                        // Each side's figures between two bandwidth samples: the VM's memory mode can change in between.
                        var f = await side(MemoryBandwidth.MeasureGBps(passes: 5)) with { BandwidthAfterGBps = MemoryBandwidth.MeasureGBps(passes: 5) };
                        Progress($"  {f.Side,-9} {f.Format,-7} batch 1 {f.Decode1,6:F1}  batch {o.Batch} {f.DecodeN,6:F1}  prefill {f.Prefill,6:F1} tokens/s  (read bandwidth {f.BandwidthText} GB/s)");
                        figures.Add(f);
                    }
                }
            }
            var results = new SideBySideResults(MachineInfo.Read(), DateTimeOffset.UtcNow, loadBefore, MachineInfo.LoadAverage(), o, folder.Config,
                pairings, ggufs, figures);
            Directory.CreateDirectory(o.Output);
            string report = Path.Combine(o.Output, o.Name + ".md");
            File.WriteAllText(report, SideBySideReport.Markdown(results));
            SideBySideChart.Write(results, Path.Combine(o.Output, o.Name + ".png"));
            Console.WriteLine(SideBySideReport.Summary(results));
            Progress($"wrote {report}");
        }
        finally
        {
            foreach (var (model, engine) in engines.Values)
            {
                await engine.DisposeAsync();
                model.Dispose();
            }
        }
    }

    private static async Task<RoundFigures> OursAsync(int round, Pairing p, InferenceEngine engine, int vocab, double bandwidth, SideBySideOptions o, CancellationToken ct)
    {
        var one = await EngineRuns.DecodeAsync(engine, 1, o.Tokens, 8, vocab, ct);
        var many = await EngineRuns.DecodeAsync(engine, o.Batch, o.Tokens, 8, vocab, ct);
        var prompt = await EngineRuns.PrefillAsync(engine, o.PrefillTokens, vocab, 1, ct);
        return new RoundFigures(round, "ours", p.Ours.Key, one.TokensPerSecond, many.TokensPerSecond, prompt.TokensPerSecond, bandwidth);
    }

    private static RoundFigures Llama(int round, Pairing p, LlamaCpp llama, double bandwidth, SideBySideOptions o) =>
        new(round, "llama.cpp", p.LlamaFormat, llama.Decode1(p.GgufFile, o.Tokens), llama.DecodeN(p.GgufFile, o.Batch, 8, o.Tokens),
            llama.Prefill(p.GgufFile, o.PrefillTokens), bandwidth);

    private static void Progress(string line) => Console.Error.WriteLine($"[side-by-side] {line}");
}

/// <summary>The `side-by-side` command's options, checked once with messages that name the flag.</summary>
public sealed record SideBySideOptions(string Model, string GgufDir, string LlamaBin, string LlamaBuild, int Threads, int Rounds, int Tokens, int Batch,
    int PrefillTokens, string Output, string Name, string Note, IReadOnlyList<string> Formats)
{
    /// <summary>"f32,bf16" → [f32, bf16]; an unknown or repeated name, or none, is refused naming the flag.</summary>
    public static IReadOnlyList<string> ParseFormats(string text)
    {
        var keys = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length == 0) throw new ArgumentException($"--formats: give at least one of {string.Join(", ", Pairing.Keys)}");
        foreach (var k in keys)
            if (!Pairing.Keys.Contains(k)) throw new ArgumentException($"--formats: unknown format \"{k}\" (expected a comma list of {string.Join(", ", Pairing.Keys)})");
        if (keys.Distinct().Count() != keys.Length) throw new ArgumentException($"--formats: a format is named twice in \"{text}\"");
        return keys;
    }

    public void Validate()
    {
        if (!Directory.Exists(Model)) throw new ArgumentException($"--model: no model folder at {Model}");
        foreach (var p in Pairing.All(GgufDir, Formats))
            if (!File.Exists(p.GgufFile)) throw new ArgumentException($"--gguf-dir: no {Path.GetFileName(p.GgufFile)} in {GgufDir}");
        new LlamaCpp(LlamaBin, Threads).Check();
        if (Threads < 1) throw new ArgumentException($"--threads must be at least 1, got {Threads}");
        if (Rounds < 1) throw new ArgumentException($"--rounds must be at least 1, got {Rounds}");
        if (Tokens < 2) throw new ArgumentException($"--tokens must be at least 2, got {Tokens}");
        if (Batch < 2) throw new ArgumentException($"--batch must be at least 2, got {Batch}");
        if (PrefillTokens < 2) throw new ArgumentException($"--prefill-tokens must be at least 2, got {PrefillTokens}");
    }
}
