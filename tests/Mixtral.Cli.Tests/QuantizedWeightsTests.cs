using System.Text.Json;

namespace Mixtral.Cli.Tests;

/// <summary>--weights int8|q4: the experts quantized at load, a clear error for formats that do not exist or do not fit.</summary>
public sealed class QuantizedWeightsTests
{
    [Theory]
    [InlineData("int8")]
    [InlineData("q4")]
    public async Task Generate_runs_with_quantized_experts(string format)
    {
        var run = await Cli.RunAsync(["generate", "--model", Cli.TinyModel, "--prompt", "Once upon a time", "--max-new-tokens", "12", "--weights", format, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var root = JsonDocument.Parse(run.StdOut).RootElement;
        Assert.Equal(12, root.GetProperty("generated_tokens").GetInt32());
    }

    [Theory]
    [InlineData(new[] { "--weights", "int3" }, "--weights: \"int3\" is not one of f32, bf16, f16, int8, q4")]
    [InlineData(new[] { "--weights", "q4", "--device", "cuda" }, "device \"cuda\" requested but CUDA is not available")]
    public async Task Bad_weights_get_one_line_naming_the_flag(string[] flags, string message)
    {
        var run = await Cli.RunAsync(["generate", "--model", Cli.TinyModel, "--prompt", "x", .. flags]);
        Assert.Equal(2, run.ExitCode);
        var lines = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.Contains(message, lines[0]);
        Assert.DoesNotContain("   at ", run.StdErr);
    }
}
