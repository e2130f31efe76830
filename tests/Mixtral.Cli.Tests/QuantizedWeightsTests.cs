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

    [Fact]
    public async Task A_quantized_cache_is_filled_once_and_the_restarted_run_reads_it_and_generates_the_same_tokens()
    {
        string cache = Path.Combine(Path.GetTempPath(), "cli-quantized-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] command = ["generate", "--model", Cli.TinyModel, "--prompt", "Once upon a time", "--max-new-tokens", "12", "--weights", "int8", "--quantized-cache", cache, "--json"];
            var first = await Cli.RunAsync(command);
            Assert.True(first.ExitCode == 0, first.ToString());
            var files = Directory.GetFiles(cache, "*.int8.safetensors").Select(f => (f, File.GetLastWriteTimeUtc(f))).ToArray();
            Assert.Equal(4 * 8, files.Length); // the fixture: 4 layers × 8 experts
            var second = await Cli.RunAsync(command);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.DoesNotContain("warning", second.StdErr, StringComparison.Ordinal);
            Assert.All(files, f => Assert.Equal(f.Item2, File.GetLastWriteTimeUtc(f.f))); // read, not rewritten
            Assert.Equal(Tokens(first.StdOut), Tokens(second.StdOut));
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }

        static string Tokens(string json) => string.Join(",", JsonDocument.Parse(json).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
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
