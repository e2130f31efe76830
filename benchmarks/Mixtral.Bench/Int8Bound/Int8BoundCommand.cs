using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench.Int8Bound;

/// <summary>
/// `int8-bound`: can any 8-bit expert format keep issue 10's "logits RMS error ≤ 1% of the logits' RMS" on a random-weight
/// model? For each --model: float32 logits at every position of the fixture's sequences, then the same with our int8
/// experts, bf16 weights, experts rounded to bf16 / f16, and experts fake-quantized to b bits per weight on int8's grid
/// (symmetric, per group of 32, round to nearest) for each --bits, all in float32 arithmetic. Writes the tables, the
/// rate–distortion bound and (with --llama-cpp) llama.cpp's numbers on the same sequences to RESULTS/NAME.md.
/// </summary>
public static class Int8BoundCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("--model") { Description = "Model folder; repeat for several (e.g. the fixture and `mid`)", AllowMultipleArgumentsPerToken = true };
        var reference = new Option<string?>("--reference") { Description = "The fixture's reference.json (default: shared/fixtures/tiny-mixtral/reference/reference.json above the working directory)" };
        var bits = new Option<int[]>("--bits") { Description = "Bit widths to fake-quantize the experts to", DefaultValueFactory = _ => [8, 9, 10, 11, 12], AllowMultipleArgumentsPerToken = true };
        var noise = new Option<int[]>("--noise-bits") { Description = "Also add Gaussian noise to the experts at the rate–distortion bound's error 2^-R for each R", DefaultValueFactory = _ => [8, 9, 10, 11, 12], AllowMultipleArgumentsPerToken = true };
        var seeds = new Option<int>("--seeds") { Description = "Noise draws per level", DefaultValueFactory = _ => 3 };
        var llama = new Option<string?>("--llama-cpp") { Description = "Results of benchmarks/llama-cpp-int8-bound.sh (label<TAB>logits-error's first line), to put in the report" };
        var threads = new Option<int>("--threads") { Description = "Threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out") { Description = "Results folder", DefaultValueFactory = _ => "benchmarks/results" };
        var name = new Option<string>("--name") { Description = "Report name", DefaultValueFactory = _ => "int8-bound" };
        var note = new Option<string?>("--note") { Description = "A line for the report under the command (how the llama.cpp part was run)" };
        var from = new Option<string?>("--from") { Description = "Measure nothing: write the report again from the NAME.json an earlier run left (e.g. to add --llama-cpp results)" };
        var command = new Command("int8-bound", "Logits error of int8 and of b-bit fake-quantized experts vs float32; the rate–distortion bound; llama.cpp's on the same sequences")
            { models, reference, bits, noise, seeds, llama, threads, output, name, note, from };
        command.SetAction(async (result, _) =>
        {
            string stem = Path.Combine(result.GetValue(output)!, result.GetValue(name)!);
            Int8BoundReport report;
            if (result.GetValue(from) is { } saved)
            {
                report = JsonSerializer.Deserialize<Int8BoundReport>(File.ReadAllText(saved), Json)!;
                if (result.GetValue(llama) is { } llamaFile) report = report with { LlamaCpp = LlamaCppResult.Read(llamaFile) };
            }
            else
            {
                if (result.GetValue(models) is not { Length: > 0 } folders) throw new ArgumentException("--model is required (or --from)");
                report = await RunAsync(folders, result.GetValue(reference) ?? FixtureSequences.FindReference(), result.GetValue(bits)!,
                    result.GetValue(noise)!, result.GetValue(seeds), result.GetValue(llama), result.GetValue(threads));
                report = report with { CommandLine = "dotnet run -c Release --project benchmarks/Mixtral.Bench -- " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)) };
            }
            if (result.GetValue(note) is { } line) report = report with { Note = line };
            Directory.CreateDirectory(result.GetValue(output)!);
            File.WriteAllText(stem + ".json", JsonSerializer.Serialize(report, Json));
            File.WriteAllText(stem + ".md", report.ToMarkdown());
            Console.Error.WriteLine($"[int8-bound] wrote {stem}.md and {stem}.json");
            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static async Task<Int8BoundReport> RunAsync(string[] folders, string referenceJson, int[] bits, int[] noiseBits, int seeds, string? llamaResults, int threads)
    {
        torch.set_num_threads(threads);
        var sequences = FixtureSequences.Read(referenceJson);
        Say($"{sequences.Length} sequences ({string.Join(", ", sequences.Select(s => s.Length))} tokens) from {referenceJson}");
        var start = DateTime.UtcNow;
        var models = new List<ModelResults>();
        foreach (var folder in folders)
        {
            var config = MixtralConfig.Load(Path.Combine(folder, "config.json"));
            string label = $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(folder))} ({config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumLocalExperts} experts)";
            Say($"{label}: float32 reference...");
            using var reference = await RunAsync(ModelVariants.Load(folder, config, new ModelOptions()), sequences);
            var rows = new List<VariantResult>();

            Say($"{label}: int8 experts (our format and kernels)...");
            using var int8 = await RunAsync(ModelVariants.Load(folder, config, new ModelOptions { ExpertFormat = ExpertWeightFormat.Int8 }), sequences);
            rows.Add(Add(label, new VariantResult("int8 experts (ours: codes + kernels)", 8, null, int8.CompareWith(reference), null)));

            Say($"{label}: bf16 weights...");
            using (var bf16 = await RunAsync(ModelVariants.Load(folder, config, new ModelOptions { WeightDType = ScalarType.BFloat16 }), sequences))
                rows.Add(Add(label, new VariantResult("bf16 every weight matrix (ours)", 16, null, bf16.CompareWith(reference), null)));

            foreach (var (what, type, b) in new[] { ("experts rounded to bf16", ScalarType.BFloat16, 16), ("experts rounded to f16", ScalarType.Float16, 16) })
            {
                Say($"{label}: {what}...");
                var (model, weightError) = ModelVariants.LoadRounded(folder, config, ModelVariants.CastThrough(type));
                using var run = await RunAsync(model, sequences);
                rows.Add(Add(label, new VariantResult(what, b, weightError, run.CompareWith(reference), null)));
            }

            foreach (int b in bits)
            {
                Say($"{label}: experts fake-quantized to {b} bits...");
                var (model, weightError) = ModelVariants.LoadRounded(folder, config, w => FakeQuantizer.RoundInPlace(w, b));
                using var run = await RunAsync(model, sequences);
                rows.Add(Add(label, new VariantResult($"{b}-bit grid per 32 (fake-quantized)", b, weightError, run.CompareWith(reference), b == 8 ? run.CompareWith(int8) : null)));
            }
            var noise = new List<NoiseResult>();
            foreach (int r in noiseBits)
                for (int seed = 1; seed <= seeds; seed++)
                {
                    double level = Math.Pow(2, -r);
                    Say($"{label}: Gaussian noise {level:P3} of the weights' RMS (2^-{r}), draw {seed}...");
                    var (model, weightError) = ModelVariants.LoadRounded(folder, config, ModelVariants.AddNoise(level, 1000 * r + seed));
                    using var run = await RunAsync(model, sequences);
                    var c = run.CompareWith(reference);
                    noise.Add(new NoiseResult(level, seed, weightError, c));
                    Say($"  weights {weightError:P4}, logits {c.LogitsError:P3} (no route changed: {c.StableLogitsError:P3}), top-k sets {c.SameRoutes:P2}, top-1 {c.SameTop1:P2}");
                }
            models.Add(new ModelResults(label, rows, noise));
        }
        var llama = llamaResults is null ? [] : LlamaCppResult.Read(llamaResults);
        return new Int8BoundReport(MachineInfo.Read(), start, DateTime.UtcNow, threads, referenceJson, sequences, models, llama);
    }

    private static async Task<LogitsRun> RunAsync(LoadedModel loaded, int[][] sequences)
    {
        using (loaded)
        {
            long t = Stopwatch.GetTimestamp();
            var run = await LogitsRun.RunAsync(loaded.Model, sequences);
            Say($"  ran in {Stopwatch.GetElapsedTime(t).TotalSeconds:F1} s, {Environment.WorkingSet / 1e9:F1} GB resident");
            loaded.Dispose();
            GC.Collect(); // tensors the model's parts did not dispose themselves: gone before the next 3 GB model loads
            GC.WaitForPendingFinalizers();
            return run;
        }
    }

    private static VariantResult Add(string model, VariantResult row)
    {
        Say($"  {row.Name}: weights {(row.WeightError is double w ? $"{w:P3}" : "-")}, logits {row.VsFloat32.LogitsError:P3} (no route changed: {row.VsFloat32.StableLogitsError:P3}), top-k sets {row.VsFloat32.SameRoutes:P2}, top-1 {row.VsFloat32.SameTop1:P2}"
            + (row.VsInt8 is { } c ? $"; vs our int8: logits {c.LogitsError:P4}, top-k sets {c.SameRoutes:P2}" : ""));
        return row;
    }

    private static void Say(string line) => Console.Error.WriteLine($"[int8-bound {DateTime.UtcNow:HH:mm:ss}] {line}");
}
