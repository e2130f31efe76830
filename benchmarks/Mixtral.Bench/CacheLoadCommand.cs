using System.CommandLine;
using System.Diagnostics;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Bench;

/// <summary>
/// `cache-load`: how long loading every expert of a model takes (1) quantizing from the checkpoint's bf16 as a node does
/// without a cache, (2) the same with a cache folder to fill (cold: quantize, then write and checksum), and (3) reading
/// the filled cache (warm: read and verify the SHA-256). Alternated round by round in one process, so a shared machine
/// slows all three alike; the report is the best round of each and the ratios.
/// </summary>
public static class CacheLoadCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (e.g. from `mixtral synth --preset mid`)", Required = true };
        var weights = new Option<string>("--weights") { Description = "int8 or q4", DefaultValueFactory = _ => "int8" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds; the best of each counts", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("cache-load", "Expert load time: quantize at load vs a cold and a warm quantized-expert cache") { model, weights, rounds, threads };
        command.SetAction(result =>
        {
            Run(result.GetValue(model)!, result.GetValue(weights)!, result.GetValue(rounds), result.GetValue(threads));
            return 0;
        });
        return command;
    }

    private static void Run(string folder, string weights, int rounds, int threads)
    {
        torch.set_num_threads(threads);
        var format = ExpertWeightFormats.ParseWeights(weights).Experts;
        if (format == ExpertWeightFormat.Dense) throw new ArgumentException($"--weights must be int8 or q4, got \"{weights}\"");
        var config = MixtralConfig.Load(Path.Combine(folder, "config.json"));
        string cache = Path.Combine(Path.GetTempPath(), "mixtral-cache-load-" + Guid.NewGuid().ToString("N"));
        var best = new Dictionary<string, double>();
        try
        {
            for (int round = 1; round <= rounds; round++)
            {
                if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
                foreach (var (name, directory) in new[] { ("quantize at load (no cache)", (string?)null), ("cold cache (quantize, write)", cache), ("warm cache (read, verify)", cache) })
                {
                    double seconds = LoadAll(folder, config, format, directory);
                    best[name] = Math.Min(best.GetValueOrDefault(name, double.MaxValue), seconds);
                    Console.Error.WriteLine($"[cache-load] round {round}: {name}: {seconds:F2} s");
                }
            }
            long bytes = Directory.GetFiles(cache).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"{config.NumHiddenLayers * config.NumLocalExperts} experts, {format.ShortName()}, {threads} threads; cache files {bytes / 1e6:F0} MB; best of {rounds} rounds, alternated:");
            double baseline = best.First().Value;
            foreach (var (name, seconds) in best)
                Console.WriteLine($"  {name,-30} {seconds,7:F2} s  ({seconds / baseline:F2}× quantize at load)");
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    private static double LoadAll(string folder, MixtralConfig config, ExpertWeightFormat format, string? cache)
    {
        using var reader = CheckpointReader.Open(folder);
        var loader = new WeightLoader(reader, ScalarType.Float32, CPU);
        long start = Stopwatch.GetTimestamp();
        for (int l = 0; l < config.NumHiddenLayers; l++)
            for (int e = 0; e < config.NumLocalExperts; e++)
                ExpertQuantizer.Load(loader, config, l, e, format, cache).Dispose();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
