using System.CommandLine;
using Mixtral.Model.Inference;
using TorchSharp;

namespace Mixtral.Cli.Commands;

/// <summary>How the math runs: --dtype, --device, --weights, --threads (the same on every command that computes).</summary>
internal sealed class ComputeFlags
{
    private readonly Option<string> _dtype = new("--dtype")
    {
        Description = "Compute dtype: f32 (default; CPUs here have no fast bf16), bf16 or f16",
        DefaultValueFactory = _ => "f32",
    };

    private readonly Option<string> _device = new("--device") { Description = "Compute device: cpu (default) or cuda[:N]", DefaultValueFactory = _ => "cpu" };

    private readonly Option<string?> _weights = new("--weights")
    {
        Description = "Dtype the weight matrices are kept in: the compute dtype (default) or bf16 (half the memory and bytes per step; on CPU the kernels widen them exactly, same results as f32 for a bf16 checkpoint); "
            + "int8 or q4 quantize the expert matrices at load (8 or 4 bits per weight, a scale per 32; CPU only) and keep the other matrices in bf16",
    };

    private readonly Option<string?> _quantizedCache = new("--quantized-cache")
    {
        Description = "Folder where quantized experts (--weights int8|q4) are saved, checksummed, and read back at the next start instead of quantizing again; a damaged or stale file is reported and rebuilt",
    };

    private readonly Option<int?> _threads = new("--threads") { Description = "CPU threads for the math (default: all cores)" };

    public void AddTo(Command command)
    {
        command.Options.Add(_dtype);
        command.Options.Add(_device);
        command.Options.Add(_weights);
        command.Options.Add(_quantizedCache);
        command.Options.Add(_threads);
    }

    public string DType(ParseResult result) => result.GetValue(_dtype)!;
    public string Device(ParseResult result) => result.GetValue(_device)!;
    public string? Weights(ParseResult result) => result.GetValue(_weights);
    public string? QuantizedCache(ParseResult result) => result.GetValue(_quantizedCache);
    public int? Threads(ParseResult result) => result.GetValue(_threads) is int n && n < 1
        ? throw new CliUsageException($"--threads must be at least 1, got {n}")
        : result.GetValue(_threads);

    /// <summary>The compute options for an in-process model; applies --threads to LibTorch and the kernels.</summary>
    public ModelOptions Read(ParseResult result)
    {
        if (Threads(result) is int count) torch.set_num_threads(count);
        try
        {
            var (weights, experts) = ExpertWeightFormats.ParseWeights(Weights(result));
            var options = new ModelOptions
            {
                DType = ModelOptions.ParseFloat(DType(result), "--dtype"),
                Device = ModelOptions.ParseDevice(Device(result)),
                WeightDType = weights,
                ExpertFormat = experts,
                QuantizedCacheDirectory = QuantizedCache(result),
            };
            ExpertWeightFormats.CheckDevice(options);
            return options;
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message, e);
        }
    }
}
