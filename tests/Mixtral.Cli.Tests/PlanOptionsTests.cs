using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cli.Tests;

public sealed class PlanOptionsTests
{
    [Fact]
    public async Task Capacity_weighted_follows_node_speeds_given_on_the_command_line()
    {
        string plan = Path.Combine(Path.GetTempPath(), $"plan-{Guid.NewGuid():N}.json");
        try
        {
            var run = await Cli.RunAsync("plan", "--model", Cli.TinyModel, "--nodes", "a,b", "--strategy", "capacity-weighted", "--node-speed", "a=3,b=1", "--out", plan);
            Assert.True(run.ExitCode == 0, run.ToString());
            var p = PlacementPlan.Load(plan);
            Assert.Equal(6 * 4, p.ExpertsOn("a").Count()); // 6 of 8 experts in each of the 4 layers
            Assert.Equal(2 * 4, p.ExpertsOn("b").Count());
        }
        finally
        {
            File.Delete(plan);
        }
    }

    [Theory]
    [InlineData(new[] { "--node-speed", "a=fast" }, "--node-speed: \"a=fast\" is not NODE=POSITIVE_NUMBER (e.g. --node-speed a=2,b=1)")]
    [InlineData(new[] { "--node-memory", "c=24" }, "--node-memory: \"c\" is not one of the --nodes")]
    [InlineData(new[] { "--step-rows", "64" }, "--step-rows and --rows-per-read go together")]
    [InlineData(new[] { "--replica-budget", "-1" }, "--replica-budget must not be negative, got -1")]
    public async Task Bad_plan_options_are_refused_naming_the_flag(string[] extra, string message)
    {
        var run = await Cli.RunAsync(["plan", "--model", Cli.TinyModel, "--nodes", "a,b", .. extra]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StdErr, StringComparison.Ordinal);
    }
}
