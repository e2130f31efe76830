namespace Mixtral.Cli.Tests;

public sealed class StatsSourceTests
{
    [Theory]
    [InlineData("")]
    [InlineData("--trace t.jsonl --cluster 127.0.0.1:30000")]
    public async Task Stats_needs_exactly_one_of_a_trace_and_a_cluster(string flags)
    {
        var run = await Cli.RunAsync(["stats", .. flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("exactly one of --trace FILE and --cluster HOST:PORT", run.StdErr, StringComparison.Ordinal);
    }
}
