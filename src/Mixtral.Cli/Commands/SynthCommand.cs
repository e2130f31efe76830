using System.CommandLine;
using Mixtral.Cli.Terminal;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Synthesis;
using Mixtral.Engine;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral synth`: a random-weight model folder in the exact Hugging Face layout.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to write the model into", Required = true };
        var preset = new Option<string?>("--preset") { Description = $"Shape: {string.Join(" | ", SynthPreset.Names)}" };
        var config = new Option<string?>("--config") { Description = "Shape from a config.json instead of a preset" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 1234 };
        var dtype = new Option<string>("--dtype") { Description = "Weight dtype on disk: bf16 (default, as published) or f32", DefaultValueFactory = _ => "bf16" };

        var skew = new Option<double>("--routing-skew")
        {
            Description = "Skew the routing like real Mixtral's: per layer, experts in a random rank order, P(rank r) ∝ r^-S (0 = unbiased router, 0.3-0.6 Mixtral-like, >= 1 stress)",
            DefaultValueFactory = _ => 0,
        };
        var affinity = new Option<double>("--layer-affinity")
        {
            Description = "Inter-layer affinity A in [0, 1): a token that chose expert e at layer l leans to a fixed partner of e at layer l+1 (0 = independent layers)",
            DefaultValueFactory = _ => 0,
        };

        var command = new Command("synth", "Write a random-weight Mixtral model folder (for demos and benchmarks)") { output, preset, config, seed, dtype, skew, affinity };
        command.SetAction(result =>
        {
            string? presetName = result.GetValue(preset), configPath = result.GetValue(config);
            if ((presetName is null) == (configPath is null)) throw new CliUsageException("give exactly one of --preset NAME or --config FILE");
            MixtralConfig shape;
            try
            {
                shape = presetName is not null ? SynthPreset.Get(presetName) : MixtralConfig.Load(configPath!);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException($"--preset: {e.Message}", e);
            }
            string dtypeName = result.GetValue(dtype)!;
            if (dtypeName is not ("bf16" or "f32")) throw new CliUsageException($"--dtype: \"{dtypeName}\" is not bf16 or f32");
            string outDir = result.GetValue(output)!;
            if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
                throw new CliUsageException($"--out: {outDir} exists and is not empty");

            var routing = new RoutingSkew(result.GetValue(skew), result.GetValue(affinity));
            try { routing.Validate(); }
            catch (ArgumentException e) { throw new CliUsageException(e.Message, e); }

            var progress = new TerminalProgress("writing");
            SyntheticCheckpoint.Write(outDir, shape, DemoModel.TokenizerAssets, result.GetValue(seed), ModelOptions.ParseFloat(dtypeName, "--dtype"), progress, skew: routing);
            progress.Complete();
            Console.Error.WriteLine($"wrote {outDir}: {shape.NumHiddenLayers} layers, hidden {shape.HiddenSize}, {shape.NumLocalExperts} experts");
            return 0;
        });
        return command;
    }
}
