using System.Globalization;
using System.Text.Json;
using Mixtral.Testing;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cli.Tests;

/// <summary>`mixtral run`, the README's main job: the whole cluster in one process.</summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Embedded_cluster_generates_hugging_faces_greedy_tokens()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        var prompt = doc.RootElement.GetProperty("prompts")[1];
        string ids = string.Join(',', prompt.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()));
        var run = await Cli.RunAsync("run", "--model", Cli.TinyModel, "--ids", ids, "--max-new-tokens", "24", "--json", "--wire-dtype", "f32",
            "--silo-port", Port(), "--gateway-port", Port());
        Assert.True(run.ExitCode == 0, run.ToString());
        using var output = JsonDocument.Parse(run.StdOut);
        Assert.Equal(prompt.GetProperty("greedy_tokens").EnumerateArray().Select(e => e.GetInt32()),
            output.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Contains("node local ready: role all, 32 experts", run.StdErr);
    }

    [Fact]
    public async Task Default_run_streams_text_from_the_demo_model()
    {
        var run = await Cli.RunAsync("run", "--max-new-tokens", "8", "--silo-port", Port(), "--gateway-port", Port());
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[length]", run.StdErr);
        Assert.Contains("8 generated", run.StdErr);
        Assert.False(string.IsNullOrWhiteSpace(run.StdOut));
    }

    private static string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);
}
