namespace Mixtral.Cli.Tests;

/// <summary>`mixtral plan apply` checks what it can before it connects: the flags and the plan file. (Applying a plan to a
/// running cluster is tested in LiveRebalancingTests.)</summary>
public sealed class PlanApplyCommandTests
{
    [Fact]
    public async Task Without_a_cluster_it_is_a_usage_error_naming_the_flag()
    {
        var run = await Cli.RunAsync("plan", "apply", "--plan", "plan.json");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--cluster", run.StdErr);
    }

    [Fact]
    public async Task A_missing_or_malformed_plan_file_is_named_before_any_cluster_is_asked()
    {
        string dir = Directory.CreateTempSubdirectory("plan-apply-").FullName;
        try
        {
            string missing = Path.Combine(dir, "nope.json");
            var run = await Cli.RunAsync("plan", "apply", "--cluster", "127.0.0.1:1", "--plan", missing);
            Assert.Equal(1, run.ExitCode);
            Assert.Equal($"error: {missing}: placement plan not found", run.StdErr.Trim());

            string broken = Path.Combine(dir, "broken.json");
            await File.WriteAllTextAsync(broken, "{\"model\": 3}");
            run = await Cli.RunAsync("plan", "apply", "--cluster", "127.0.0.1:1", "--plan", broken);
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith($"error: {broken}: not a placement plan", run.StdErr.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
