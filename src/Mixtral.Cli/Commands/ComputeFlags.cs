using System.CommandLine;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

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

    private readonly Option<int?> _threads = new("--threads") { Description = "CPU threads for the math (default: all cores)" };

    public void AddTo(Command command)
    {
        command.Options.Add(_dtype);
        command.Options.Add(_device);
        command.Options.Add(_weights);
        command.Options.Add(_threads);
    }

    public string DType(ParseResult result) => result.GetValue(_dtype)!;
    public string Device(ParseResult result) => result.GetValue(_device)!;
    public string? Weights(ParseResult result) => result.GetValue(_weights);
    public int? Threads(ParseResult result) => result.GetValue(_threads) is int n && n < 1
        ? throw new CliUsageException($"--threads must be at least 1, got {n}")
        : result.GetValue(_threads);

    /// <summary>True where the user typed the flag (a config file may then supply the value instead).</summary>
    public bool Given(ParseResult result, string flag) => flag switch
    {
        "--dtype" => result.GetResult(_dtype) is not null,
        "--device" => result.GetResult(_device) is not null,
        _ => false,
    };

    /// <summary>The compute options for an in-process model; applies --threads to LibTorch and the kernels.</summary>
    public ModelOptions Read(ParseResult result)
    {
        if (Threads(result) is int count) torch.set_num_threads(count);
        try
        {
            var device = ModelOptions.ParseDevice(Device(result));
            var (weights, experts) = ReadWeights(Weights(result));
            if (experts != ExpertWeightFormat.Dense && device.type != DeviceType.CPU)
                throw new CliUsageException($"--weights {Weights(result)} quantizes the experts for the CPU kernels; it cannot be combined with --device {Device(result)}");
            return new ModelOptions
            {
                DType = ModelOptions.ParseDType(DType(result)),
                Device = device,
                WeightDType = weights,
                ExpertFormat = experts,
            };
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message, e);
        }
    }

    /// <summary>--weights: a dtype for every weight matrix, or a quantized expert format (int8, q4) with the other matrices
    /// in bf16 (attention, routers and the LM head are 4% of Mixtral's weights and stay exact to the checkpoint).</summary>
    private static (ScalarType? Matrices, ExpertWeightFormat Experts) ReadWeights(string? name)
    {
        if (name is null) return (null, ExpertWeightFormat.Dense);
        if (ExpertWeightFormats.TryParse(name) is { } format) return (ScalarType.BFloat16, format);
        try
        {
            return (ModelOptions.ParseDType(name), ExpertWeightFormat.Dense);
        }
        catch (ArgumentException)
        {
            throw new CliUsageException($"--weights \"{name}\" is not one of f32, bf16, f16, int8, q4");
        }
    }
}
