using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Testing;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>The three-silo tiny cluster as it runs by default: the coordinator ("Primary") computes its own experts in place.</summary>
public sealed class InPlaceExpertsCluster : TinySiloCluster<TinyNodeWithFilter<ExpertCallsReceived>>;

/// <summary>The same cluster with --local-experts-via-grains: the coordinator calls its own experts' grains too.</summary>
public sealed class ViaGrainsExpertsCluster : TinySiloCluster<ViaGrainsExpertsCluster.Node>
{
    public sealed class Node : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddMixtralNode(name => InProcessClusterFixture.TinyNode(name) with { ExpertCalls = new() { InPlaceLocalExperts = false } });
            siloBuilder.AddIncomingGrainCallFilter<ExpertCallsReceived>();
        }
    }
}

/// <summary>Expert grain calls each silo received, by (cluster id, node): the oracle for which experts ran behind a call.</summary>
public sealed class ExpertCallsReceived(NodeSettings settings, IOptions<ClusterOptions> cluster) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<(string Cluster, string Node), long> Calls = new();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceMethod?.Name == nameof(IExpertGrain.RunAsync))
            Calls.AddOrUpdate((cluster.Value.ClusterId, settings.NodeName), 1, (_, n) => n + 1);
        await context.Invoke();
    }

    public static long Of(TestCluster cluster, string node) => Calls.GetValueOrDefault((cluster.Options.ClusterId, node));
}

/// <summary>
/// The coordinator computes the experts on its own node in place (no grain call to itself) and calls only the other
/// nodes' experts, and where an expert runs changes nothing: the same logits bit for bit and Hugging Face's greedy tokens.
/// </summary>
public sealed class LocalExpertsInPlaceTests(InPlaceExpertsCluster inPlace, ViaGrainsExpertsCluster viaGrains)
    : IClassFixture<InPlaceExpertsCluster>, IClassFixture<ViaGrainsExpertsCluster>
{
    [Fact]
    public async Task The_coordinator_s_own_experts_take_no_grain_call_and_the_results_are_those_of_the_grain_path()
    {
        var prompts = Prompts();
        // A 64-token trace chooses every expert of every layer: it activates every copy (a first call goes through the grain).
        var inPlaceTrace = await Coordinator(inPlace.Cluster).TraceAsync(prompts[3].Ids);
        var viaGrainsTrace = await Coordinator(viaGrains.Cluster).TraceAsync(prompts[3].Ids);
        Assert.Equal(viaGrainsTrace.RouterTopKIds, inPlaceTrace.RouterTopKIds);
        Assert.Equal(viaGrainsTrace.Logits, inPlaceTrace.Logits); // the same ExpertWeights over the same rows: bit for bit

        var before = Received();
        var inPlaceTokens = await GreedyAsync(inPlace.Cluster, prompts[1].Ids);
        var viaGrainsTokens = await GreedyAsync(viaGrains.Cluster, prompts[1].Ids);
        var after = Received();
        Assert.Equal(prompts[1].Greedy[..24], inPlaceTokens);
        Assert.Equal(prompts[1].Greedy[..24], viaGrainsTokens);

        // Round-robin over three nodes: "Primary" (the coordinator) owns a third of the experts.
        Assert.Equal(0, after[(inPlace, "Primary")] - before[(inPlace, "Primary")]);
        foreach (string node in new[] { "Secondary_1", "Secondary_2" })
            Assert.True(after[(inPlace, node)] > before[(inPlace, node)], $"node {node} got no expert call: the other nodes' experts must still be called");
        Assert.True(after[(viaGrains, "Primary")] > before[(viaGrains, "Primary")], "with --local-experts-via-grains the coordinator's own experts are called");

        var status = await Coordinator(inPlace.Cluster).DescribeAsync();
        Assert.True(status.ExpertCalls > 0); // the in-place runs still count as the coordinator's expert calls
    }

    private Dictionary<(object, string), long> Received() => InProcessClusterFixture.NodeNames
        .SelectMany(n => new[] { ((object)inPlace, n, ExpertCallsReceived.Of(inPlace.Cluster, n)), (viaGrains, n, ExpertCallsReceived.Of(viaGrains.Cluster, n)) })
        .ToDictionary(x => (x.Item1, x.n), x => x.Item3);

    private static ICoordinatorGrain Coordinator(TestCluster cluster) => cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);

    private static async Task<int[]> GreedyAsync(TestCluster cluster, int[] prompt)
    {
        var tokens = new List<int>();
        await foreach (var e in Coordinator(cluster).GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = 24 }))
            tokens.Add(e.TokenId);
        return [.. tokens];
    }

    private static IReadOnlyList<(int[] Ids, int[] Greedy)> Prompts() => ReferencePrompts.Load();
}
