using System.CommandLine;
using Mixtral.Cli.Terminal;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Engine;
using TorchSharp;

namespace Mixtral.Cli.Commands;

/// <summary>Options several commands share, and turning them into a model folder and compute options.</summary>
internal static class CommonOptions
{
    public static Option<string?> Model() => new("--model")
    {
        Description = "Hugging Face Mixtral model folder (config.json, *.safetensors, tokenizer.model). Without it, a small random-weight demo model is built once and used.",
    };

    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Run through a live cluster: HOST:GATEWAYPORT of any node (e.g. 127.0.0.1:30000)",
    };

    /// <summary>The folder given with --model, or the demo model (built on first use, saying so on stderr).</summary>
    public static ModelFolder OpenModel(string? path)
    {
        if (path is not null) return ModelFolder.Open(path);
        var progress = new TerminalProgress("writing demo model");
        string demo = DemoModel.Ensure(Console.Error, progress);
        progress.Complete();
        return ModelFolder.Open(demo);
    }

    /// <summary>Parses "1,2,3" into token ids, naming the flag and the bad item on error.</summary>
    public static int[] ParseIds(string text, string flag)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ids[i]))
                throw new CliUsageException($"{flag}: \"{parts[i]}\" is not a token id (expected a comma-separated list like 1,415,2936)");
        return ids;
    }

    public static ModelEngine LoadEngine(ModelFolder folder, ModelOptions options, EngineOptions engineOptions)
    {
        // Quantized experts are quantized as each tensor arrives, so the bar counts that work too.
        var progress = new TerminalProgress(options.ExpertFormat == ExpertWeightFormat.Dense
            ? "loading weights"
            : $"loading weights, quantizing experts to {options.ExpertFormat.ShortName()}");
        var engine = EngineFactory.Load(folder, options, engineOptions, progress);
        progress.Complete();
        return engine;
    }
}
