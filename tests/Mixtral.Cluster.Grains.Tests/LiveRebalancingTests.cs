using System.Collections.Concurrent;
using System.Diagnostics;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Nodes;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Testing;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// Three silos serving the tiny fixture under the round-robin plan, with every expert call logged in arrival order by
/// the node that ran it (<see cref="ExpertCallLog"/>). A cluster of its own: its tests change the serving plan.
/// </summary>
public sealed class RebalancedCluster : TinySiloCluster<TinyNodeWithFilter<ExpertCallLog>>;

/// <summary>Every expert Run call as the receiving silo sees it, in arrival order: (node, grain key).</summary>
public sealed class ExpertCallLog(NodeSettings settings) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentQueue<(long Order, string Node, ExpertKey Key)> Calls = new();
    private static long _order;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(IExpertGrain.RunAsync))
            Calls.Enqueue((Interlocked.Increment(ref _order), settings.NodeName, ExpertKey.Parse(context.TargetId.Key.ToString()!)));
        return context.Invoke();
    }

    public static (long Order, string Node, ExpertKey Key)[] Snapshot() => [.. Calls.OrderBy(c => c.Order)];
}

public sealed class LiveRebalancingTests(RebalancedCluster fixture, ITestOutputHelper output) : IClassFixture<RebalancedCluster>
{
    private const int NewTokens = 160;

    [Fact]
    public async Task A_new_plan_applied_under_load_loses_nothing_and_moves_the_calls_to_the_new_owners()
    {
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        var change = fixture.Cluster.GrainFactory.GetGrain<IPlanChangeGrain>(0);
        var serving = InProcessClusterFixture.Plan(fixture.Config);
        var next = new ContiguousStrategy().Place(fixture.Config, [.. serving.Nodes]);
        var prompts = Prompts();

        // The fault-free run: the same greedy requests, concurrently, before any change; its first tokens are Hugging Face's.
        var reference = await Task.WhenAll(prompts.Select(p => Generate(coordinator, p.Ids, new int[1])));
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(prompts[i].Greedy, reference[i].Take(prompts[i].Greedy.Length));

        var produced = new int[prompts.Count];
        var running = prompts.Select((p, i) => Generate(coordinator, p.Ids, produced, i)).ToArray();
        await WaitUntil(() => produced.All(n => n >= 3), "every request to have its first tokens");
        var report = await change.ApplyAsync(next.ToJson(), "contiguous.json");
        int[] atSwitch = [.. produced]; // read after the switch and the retirement, so an upper bound of the tokens before the switch
        var tokens = await Task.WhenAll(running);
        output.WriteLine($"generation {report.Generation}: {report.CopiesWarmed} copies warmed ({report.CopiesMoved} moved) in {report.WarmMs:F0} ms; " +
                         $"switch waited {report.SwitchWaitMs:F2} ms for the step in progress, stalled steps {report.SwitchStallMs:F3} ms; " +
                         $"{report.CopiesRetired} retired in {report.RetireMs:F0} ms; tokens per request when it returned: {string.Join(", ", atSwitch)}");

        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.True(atSwitch[i] < tokens[i].Length, $"request {i} had finished ({tokens[i].Length} tokens) before the switch: nothing was in flight");
            Assert.Equal(reference[i], tokens[i]);
        }
        Assert.Equal(1, report.Generation);
        Assert.True(report.CopiesMoved > 0, "the contiguous plan should move copies away from their round-robin owners");

        // Calls ran on the owners of their generation's plan, and never went back to the old plan once the new one was used.
        var calls = ExpertCallLog.Snapshot();
        Assert.All(calls, c => Assert.Equal((c.Key.Generation == 0 ? serving : next).OwnersOf(c.Key.Layer, c.Key.Expert)[c.Key.Replica], c.Node));
        long firstNew = calls.First(c => c.Key.Generation == 1).Order;
        Assert.DoesNotContain(calls, c => c.Key.Generation == 0 && c.Order > firstNew);
        var newCallsPerNode = calls.Where(c => c.Key.Generation == 1).GroupBy(c => c.Node).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"calls after the switch per node: {string.Join(", ", newCallsPerNode.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}");

        // Retired: each node ends up holding exactly the new plan's copies, and the old ones' memory is freed.
        await WaitUntil(async () => (await NodeStatuses()).All(s => s.Experts.SequenceEqual(NewCopies(next, s.Name))), "the old plan's copies to retire");
        var statuses = await NodeStatuses();
        long perExpert = statuses.Sum(s => s.ExpertResidentBytes) / next.Experts.Count;
        Assert.All(statuses, s => Assert.Equal(NewCopies(next, s.Name).Length * perExpert, s.ExpertResidentBytes));

        // A health check after the change calls the new copies, and brings none of the old ones back.
        Assert.True((await coordinator.CheckHealthAsync()).Healthy);
        Assert.All(await NodeStatuses(), s => Assert.Equal(NewCopies(next, s.Name), s.Experts));
        // A late call to a retired copy is refused rather than bringing it (and its weights) back.
        var late = await Assert.ThrowsAnyAsync<Exception>(() => fixture.Cluster.GrainFactory.GetGrain<IExpertGrain>(new ExpertKey(0, 0).ToString()).DescribeAsync());
        Assert.Contains("superseded by 1", late.Message);
        var now = await change.GetServingPlanAsync();
        Assert.Equal((1, next.ToJson()), (now.Generation, now.PlanJson));
    }

    [Fact]
    public async Task A_plan_naming_a_node_that_is_not_running_or_moving_the_coordinator_is_refused_and_nothing_changes()
    {
        var change = fixture.Cluster.GrainFactory.GetGrain<IPlanChangeGrain>(0);
        var before = await change.GetServingPlanAsync();
        var serving = InProcessClusterFixture.Plan(fixture.Config);
        var nodes = serving.Nodes.Select(n => n.Name == "Secondary_2" ? n with { Name = "Ghost" } : n)
            .Select(n => n with { Role = n.Name == "Primary" ? NodeRole.Experts : n.Name == "Secondary_1" ? NodeRole.All : n.Role }).ToArray();
        var plan = new RoundRobinStrategy().Place(fixture.Config, nodes);

        var e = await Assert.ThrowsAsync<PlanChangeRejectedException>(() => change.ApplyAsync(plan.ToJson(), "bad.json"));
        output.WriteLine(e.Message);
        Assert.StartsWith("bad.json rejected; the serving plan is unchanged", e.Message);
        Assert.Contains("node \"Ghost\" is not a running member of the cluster (running: Primary, Secondary_1, Secondary_2)", e.Message);
        Assert.Contains("the coordinator runs on node \"Primary\"", e.Message);
        Assert.Equal(before, await change.GetServingPlanAsync());

        var malformed = await Assert.ThrowsAsync<PlanChangeRejectedException>(() => change.ApplyAsync("{\"model\": 3}", "broken.json"));
        Assert.StartsWith("broken.json", malformed.Message);
    }

    private static string[] NewCopies(PlacementPlan plan, string node) =>
        [.. plan.ExpertsOn(node).Select(k => new ExpertKey(k.Layer, k.Expert, k.Replica, 1).ToString())];

    private async Task<NodeStatus[]> NodeStatuses() =>
        await Task.WhenAll(InProcessClusterFixture.NodeNames.Select(n => fixture.Cluster.GrainFactory.GetGrain<INodeGrain>(n).DescribeAsync()));

    private static async Task<int[]> Generate(ICoordinatorGrain coordinator, int[] ids, int[] produced, int slot = 0)
    {
        var tokens = new List<int>();
        await foreach (var e in coordinator.GenerateAsync(new GenerateRequest { PromptIds = ids, MaxNewTokens = NewTokens }))
            if (e.TokenId >= 0)
            {
                tokens.Add(e.TokenId);
                Interlocked.Increment(ref produced[slot]);
            }
        return [.. tokens];
    }

    private static Task WaitUntil(Func<bool> condition, string what) => WaitUntil(() => Task.FromResult(condition()), what);

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(10);
        }
    }

    private static IReadOnlyList<(int[] Ids, int[] Greedy)> Prompts() => ReferencePrompts.Load();
}
