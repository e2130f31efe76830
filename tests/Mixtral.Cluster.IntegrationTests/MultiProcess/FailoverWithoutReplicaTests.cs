using System.Diagnostics;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Cluster.Processes;
using Mixtral.Testing;
using Xunit.Abstractions;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// Failover without a replica, on a real cluster (redis-server and `mixtral node` processes on loopback): one copy of
/// every expert (round-robin over "a" and "b"), a standby node holding nothing, and an expert node killed with
/// SIGKILL in the middle of 8 concurrent greedy generations. The oracle is the single-process engine's tokens.
/// </summary>
public sealed class FailoverWithoutReplicaTests(ITestOutputHelper output)
{
    private const int Tokens = 40;

    [Fact]
    public async Task A_killed_expert_node_is_stood_in_for_so_every_request_gets_its_fault_free_tokens_and_the_restarted_node_takes_its_experts_back()
    {
        var plan = new RoundRobinStrategy().Place(FailoverCluster.Config, FailoverCluster.Nodes);
        var prompts = FailoverCluster.Prompts(8);
        var expected = await Task.WhenAll(prompts.Select(p => FailoverCluster.SingleProcessGreedyAsync(p, Tokens)));
        await using var cluster = await ClusterProcesses.StartAsync(plan, FixturePaths.TinyMixtral, _ => FailoverCluster.Flags);
        await cluster.AddStandbyAsync("spare", FailoverCluster.Flags);

        var clock = Stopwatch.StartNew();
        double killedAt = double.NaN, declaredDeadAt = double.NaN;
        Task? detection = null;
        var firstTokenAfterKill = new double[prompts.Length];
        var runs = prompts.Select(async (prompt, i) =>
        {
            firstTokenAfterKill[i] = double.NaN;
            var generated = new List<int>();
            GenerationSummary? summary = null;
            await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = Tokens }))
            {
                if (e.TokenId >= 0) generated.Add(e.TokenId);
                if (!double.IsNaN(killedAt) && double.IsNaN(firstTokenAfterKill[i])) firstTokenAfterKill[i] = clock.Elapsed.TotalSeconds;
                if (i == 0 && generated.Count == 5)
                {
                    await cluster.KillAsync("a"); // SIGKILL: no goodbye to the cluster
                    killedAt = clock.Elapsed.TotalSeconds;
                    detection = Wait.UntilAsync(async () => !(await cluster.Client.ActiveNodesAsync()).Contains("a"), TimeSpan.FromSeconds(60), "the cluster to declare node a dead")
                        .ContinueWith(_ => declaredDeadAt = clock.Elapsed.TotalSeconds, TaskScheduler.Default);
                }
                summary = e.Summary ?? summary;
            }
            return summary!;
        }).ToList();
        var summaries = await Task.WhenAll(runs);
        await detection!;
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal("length", summaries[i].FinishReason);
            Assert.Equal(expected[i], summaries[i].GeneratedIds);
        }
        double recovery = firstTokenAfterKill.Max() - killedAt;
        output.WriteLine($"node a killed at {killedAt:F2} s; declared dead {declaredDeadAt - killedAt:F2} s later; every stream had a token again {recovery:F2} s after the kill");
        Assert.True(recovery < 30, $"the streams took {recovery:F1} s to recover");

        // The health probe runs every expert, so every one of a's experts now runs on the standby node.
        Assert.True((await cluster.Client.HealthAsync()).Healthy);
        var outage = await cluster.Client.StatusAsync();
        var gone = Assert.Single(outage.Missing);
        Assert.Equal(("a", "dead"), (gone.Name, gone.Status));
        Assert.Empty(gone.Orphaned);
        Assert.Equal(plan.ExpertsOn("a").Select(k => $"{k} on spare"), gone.ServedElsewhere);
        Assert.Equal(plan.ExpertsOn("a").Select(k => k.ToString()).Order(), outage.Nodes.Single(n => n.Name == "spare").Experts.Order());
        Assert.Equal("standby", outage.Nodes.Single(n => n.Name == "spare").Role);

        // The node comes back with its original command: it rejoins, takes its experts back, and the standby is empty again.
        var rejoin = Stopwatch.StartNew();
        await cluster.RestartAsync("a");
        output.WriteLine($"node a restarted and ready (its experts back from the standby) in {rejoin.Elapsed.TotalSeconds:F1} s");
        var restored = await cluster.Client.StatusAsync();
        Assert.Empty(restored.Missing);
        Assert.Equal(plan.ExpertsOn("a").Select(k => k.ToString()).Order(), restored.Nodes.Single(n => n.Name == "a").Experts.Order());
        Assert.Empty(restored.Nodes.Single(n => n.Name == "spare").Experts);
        Assert.Equal(expected[0], await FailoverCluster.GenerateAsync(cluster.Client, prompts[0], Tokens));
    }
}
