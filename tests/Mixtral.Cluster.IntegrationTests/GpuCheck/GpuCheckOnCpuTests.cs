using System.Text.Json;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.GpuCheck;
using Mixtral.Testing;

using Mixtral.Cluster.Processes;

namespace Mixtral.Cluster.IntegrationTests.GpuCheck;

/// <summary>
/// The GPU check (benchmarks/Mixtral.GpuCheck, run by deploy/gpu/gpu-check.sh on a lent GPU) run here on the CPU through
/// its own entry points, against the same Hugging Face oracle: a session with a device finds it working, and a change
/// that breaks it fails here first.
/// </summary>
public sealed class GpuCheckOnCpuTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("gpucheck-test-").FullName;

    [Fact]
    public async Task Golden_step_passes_in_f32_and_the_report_says_so()
    {
        var args = new CheckArguments(["golden", "--dtypes", "f32"]);
        var outcome = await CheckSteps.RunAsync(args, "cpu", FixturePaths.TinyMixtral, _out, _ => { });

        Assert.True(outcome.Ok, outcome.Error);
        var result = Assert.Single(Assert.IsType<List<GoldenResult>>(outcome.Result));
        Assert.True(result.MaxLogitDiff <= GoldenCheck.LogitTolerance, $"max |logit - HF| = {result.MaxLogitDiff:E2}");
        Assert.Equal(0, result.RoutingMismatches);
        Assert.Equal(result.GreedyTotal, result.GreedyMatched);
        Assert.Equal(4 * 24, result.GreedyTotal);
        Assert.True(outcome.Passed);

        var (json, markdown) = CheckReport.Write(_out, _out);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        Assert.Contains("golden: pass", doc.RootElement.GetProperty("summary").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("| cpu | f32 | **pass** |", await File.ReadAllTextAsync(markdown), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Golden_check_on_libtorch_alone_the_path_a_gpu_takes_passes_in_f32()
    {
        var result = await GoldenCheck.RunAsync(FixturePaths.TinyMixtral, "cpu", "f32", cpuKernels: false);

        Assert.False(result.CpuKernels);
        Assert.True(result.MaxLogitDiff <= GoldenCheck.LogitTolerance, $"max |logit - HF| = {result.MaxLogitDiff:E2}");
        Assert.Equal(0, result.RoutingMismatches);
        Assert.Equal(result.GreedyTotal, result.GreedyMatched);
        Assert.True(result.Passed);
    }

    [Fact]
    public async Task Two_nodes_on_loopback_without_redis_generate_hugging_face_greedy_tokens()
    {
        int[] ports = [FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next()];
        var result = await ClusterCheck.RunAsync(FixturePaths.TinyMixtral, "cpu", "cpu", "f32", WireDType.Float32, _out, ports);

        Assert.Equal(4, result.Prompts.Length);
        foreach (var prompt in result.Prompts) Assert.Equal(prompt.Total, prompt.Matched);
        Assert.True(result.Passed);
    }

    [Fact]
    public void A_misspelt_flag_is_refused_by_name()
    {
        var args = new CheckArguments(["expert", "--batchs", "1"]);
        args.Ints("--batches", "1");
        var error = Assert.Throws<ArgumentException>(args.RejectUnknown);
        Assert.Contains("--batchs", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_out, recursive: true);
}
