using Mixtral.Testing;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cli.Tests;

/// <summary>Bad flags and bad files: one line naming the problem, a non-zero exit, never a stack trace.</summary>
public sealed class ErrorReportingTests
{
    public static TheoryData<string[], int, string> BadInvocations => new()
    {
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,two"], 2, "--ids: \"two\" is not a token id" },
        { ["generate", "--model", Cli.TinyModel], 2, "give exactly one of --prompt TEXT or --ids 1,2,3" },
        { ["generate", "--model", Cli.TinyModel, "--prompt", "x", "--top-p", "1.5"], 2, "--top-p must be in (0, 1]" },
        { ["generate", "--model", Cli.TinyModel, "--prompt", "x", "--max-new-tokens", "0"], 2, "--max-new-tokens must be >= 1" },
        { ["generate", "--model", Cli.TinyModel, "--prompt", "x", "--dtype", "int3"], 2, "--dtype: \"int3\" is not one of f32, bf16, f16" },
        { ["generate", "--model", Cli.TinyModel, "--ids", "1,99999"], 2, "--ids: token id 99999 is outside the vocabulary" },
        { ["generate", "--model", "/nonexistent/model", "--prompt", "x"], 1, "model folder /nonexistent/model does not exist" },
        { ["generate", "--frobnicate"], 2, "--frobnicate" },
        { ["synth", "--preset", "huge", "--out", "/tmp/never-written"], 2, "unknown preset \"huge\"" },
        { ["trace", "--model", Cli.TinyModel, "--ids", "1,2"], 2, "--out" },
        // A mistyped command used to get only "Required command was not provided.", which names nothing.
        { ["serv", "--port", "8080"], 2, "Unrecognized command or argument 'serv'" },
        { ["serve", "--model", Cli.TinyModel, "--shutdown-grace", "-1"], 2, "--shutdown-grace must be 0..3600 seconds, got -1" },
        { ["serve", "--model", Cli.TinyModel, "--shutdown-grace", "NaN"], 2, "--shutdown-grace must be 0..3600 seconds, got NaN" },
        { ["serve", "--model", Cli.TinyModel, "--cors-allow-origin", "https://chat.example.com/app"], 2, "--cors-allow-origin: \"https://chat.example.com/app\" is not an origin" },
        { ["serve", "--model", Cli.TinyModel, "--cors-allow-origin", "*,https://a.example"], 2, "--cors-allow-origin: * already allows every origin" },
    };

    [Theory]
    [InlineData(new[] { "serv" }, "see 'mixtral --help'")]
    [InlineData(new[] { "generate", "--frobnicate" }, "see 'mixtral generate --help'")]
    [InlineData(new[] { "plan", "simulate", "--frobnicate" }, "see 'mixtral plan simulate --help'")]
    public async Task A_usage_error_points_at_the_help_of_the_command_it_reached(string[] args, string hint)
    {
        var run = await Cli.RunAsync(args);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(hint, run.StdErr.Split('\n').Select(l => l.TrimEnd()));
    }

    [Fact]
    public async Task No_command_lists_the_commands_and_is_a_usage_error()
    {
        var run = await Cli.RunAsync();
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Usage:", run.StdOut);
        foreach (var command in new[] { "serve", "run", "generate", "node" })
            Assert.Matches($@"(?m)^\s+{command}\b", run.StdOut);
    }

    [Theory]
    [MemberData(nameof(BadInvocations))]
    public async Task Bad_invocation_gets_one_line_and_an_exit_code(string[] args, int exitCode, string message)
    {
        var run = await Cli.RunAsync(args);
        Assert.Equal(exitCode, run.ExitCode);
        var lines = run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(lines);
        Assert.Contains(message, lines[0]);
        Assert.DoesNotContain("   at ", run.StdErr); // no stack trace
    }

    [Fact]
    public async Task Corrupt_shard_is_named_in_the_error()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            foreach (string file in Directory.GetFiles(FixturePaths.TinyMixtral))
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            string shard = Path.Combine(dir, "model-00002-of-00002.safetensors");
            var bytes = File.ReadAllBytes(shard);
            File.WriteAllBytes(shard, bytes[..(bytes.Length / 2)]); // truncated download

            var run = await Cli.RunAsync("generate", "--model", dir, "--prompt", "x");
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("model-00002-of-00002.safetensors", run.StdErr);
            Assert.DoesNotContain("   at ", run.StdErr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Without_a_model_the_demo_model_is_built_once_and_used()
    {
        string cache = Path.Combine(Path.GetTempPath(), $"demo-cache-{Guid.NewGuid():N}");
        try
        {
            var env = new Dictionary<string, string> { ["MIXTRAL_CACHE"] = cache };
            string dll = Path.Combine(AppContext.BaseDirectory, "mixtral.dll");
            var first = await ProcessRunner.RunAsync("dotnet", [dll, "generate", "--prompt", "Hi", "--max-new-tokens", "3"], environment: env);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Contains("building the demo model", first.StdErr);
            var second = await ProcessRunner.RunAsync("dotnet", [dll, "generate", "--prompt", "Hi", "--max-new-tokens", "3"], environment: env);
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.DoesNotContain("building the demo model", second.StdErr);
            Assert.Equal(first.StdOut, second.StdOut); // greedy: the same model gives the same text
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, true);
        }
    }
}
