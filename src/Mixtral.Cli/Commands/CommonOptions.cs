using System.CommandLine;
using Mixtral.Cli.Terminal;
using Mixtral.Model.Inference;
using Mixtral.Serving;
using TorchSharp;

namespace Mixtral.Cli.Commands;

/// <summary>Options several commands share, and turning them into a model folder and compute options.</summary>
internal static class CommonOptions
{
    public static Option<string?> Model() => new("--model")
    {
        Description = "Hugging Face Mixtral model folder (config.json, *.safetensors, tokenizer.model). Without it, a small random-weight demo model is built once and used.",
    };

    public static Option<string> DType() => new("--dtype")
    {
        Description = "Compute dtype: f32 (default; CPUs here have no fast bf16), bf16 or f16",
        DefaultValueFactory = _ => "f32",
    };

    public static Option<string?> Weights() => new("--weights")
    {
        Description = "Dtype the weight matrices are kept in: the compute dtype (default) or bf16 (half the memory and bytes per step; on CPU the kernels widen them exactly, same results as f32 for a bf16 checkpoint)",
    };

    public static Option<string> Device() => new("--device")
    {
        Description = "Compute device: cpu (default) or cuda[:N]",
        DefaultValueFactory = _ => "cpu",
    };

    public static Option<string?> Cluster() => new("--cluster")
    {
        Description = "Run through a live cluster: HOST:GATEWAYPORT of any node (e.g. 127.0.0.1:30000)",
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "CPU threads for the math (default: all cores)",
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

    public static ModelOptions ComputeOptions(ParseResult result, Option<string> dtype, Option<string> device, Option<int?> threads, Option<string?>? weights = null)
    {
        int? n = result.GetValue(threads);
        if (n is int count)
        {
            if (count < 1) throw new CliUsageException($"--threads must be at least 1, got {count}");
            torch.set_num_threads(count);
        }
        try
        {
            return new ModelOptions
            {
                DType = ModelOptions.ParseDType(result.GetValue(dtype)!),
                Device = ModelOptions.ParseDevice(result.GetValue(device)!),
                WeightDType = weights is not null && result.GetValue(weights) is string w ? ModelOptions.ParseDType(w) : null,
            };
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message, e);
        }
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

    public static LocalEngine LoadEngine(ModelFolder folder, ModelOptions options)
    {
        var progress = new TerminalProgress("loading weights");
        var engine = LocalEngine.Load(folder, options, progress: progress);
        progress.Complete();
        return engine;
    }
}
