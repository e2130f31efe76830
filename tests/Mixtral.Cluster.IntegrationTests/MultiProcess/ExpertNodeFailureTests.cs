using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement;
using Mixtral.Cluster.Placement.Strategies;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Testing;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// The failure model: an expert node dies in the middle of a generation. With replicas, the request completes
/// with exactly the tokens it would have produced without the fault and the cluster keeps serving; without
/// one, the request fails with a clear, retryable error instead of hanging.
/// </summary>
public sealed class ExpertNodeFailureTests
{
    private const int Tokens = 120;
    private static readonly int[] Prompt = [1, 5657, 12325, 9780, 19746, 4071, 16373, 7078];
    private static readonly MixtralConfig Config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    private static readonly NodeCapacity[] Nodes =
        [new("coord", NodeRole.Coordinator), new("a", NodeRole.Experts), new("b", NodeRole.Experts)];

    /// <summary>Every expert on both expert nodes; replica 0 alternates so each node is the first choice for half of them.</summary>
    private static PlacementPlan ReplicatedPlan() => new(
        ModelFingerprint.Identify(Config), "replicated (test)", Nodes,
        [.. from l in Enumerable.Range(0, Config.NumHiddenLayers)
            from e in Enumerable.Range(0, Config.NumLocalExperts)
            select new ExpertAssignment(l, e, e % 2 == 0 ? ["a", "b"] : ["b", "a"])]);

    [Fact]
    public async Task With_replicas_a_request_in_flight_survives_the_loss_of_a_node_with_the_same_tokens()
    {
        var expected = await SingleProcessGreedyAsync(Prompt, Tokens);
        await using var cluster = await ClusterProcesses.StartAsync(ReplicatedPlan(), FixturePaths.TinyMixtral, _ => ["--wire-dtype", "f32", "--threads", "1", "--expert-call-timeout", "2"]);

        var generated = new List<int>();
        GenerationSummary? summary = null;
        await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = Prompt, MaxNewTokens = Tokens }))
        {
            if (e.TokenId >= 0) generated.Add(e.TokenId);
            if (generated.Count == 10 && !cluster.Node("b").HasExited) await cluster.Node("b").DisposeAsync(); // node "b" dies
            summary = e.Summary ?? summary;
        }
        Assert.True(cluster.Node("b").HasExited);
        Assert.NotNull(summary);
        Assert.Equal("length", summary.FinishReason);
        Assert.Equal(expected, summary.GeneratedIds);

        var status = (await cluster.Client.StatusAsync()).Coordinator!;
        Assert.True(status.ExpertCallRetries > 0, "the coordinator should have retried calls to the lost node's experts");

        // And the cluster keeps serving new requests on the surviving replicas.
        GenerationSummary? after = null;
        await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = Prompt, MaxNewTokens = 24 }))
            after = e.Summary ?? after;
        Assert.Equal(expected[..24], after!.GeneratedIds);
    }

    /// <summary>Without a replica and without room for a stand-in (every budget full; with room, FailoverWithoutReplicaTests).</summary>
    [Fact]
    public async Task Without_a_replica_the_request_fails_with_a_clear_retryable_error_and_nothing_hangs()
    {
        var sizing = new Mixtral.Cluster.Placement.Sizing.ModelSizing(Config, Precision.Float32);
        long expertNode = sizing.BytesPerExpert * Config.NumHiddenLayers * Config.NumLocalExperts / 2;
        var plan = new RoundRobinStrategy().Place(Config,
            [new("coord", NodeRole.Coordinator, sizing.SharedBytes), new("a", NodeRole.Experts, expertNode), new("b", NodeRole.Experts, expertNode)]);
        await using var cluster = await ClusterProcesses.StartAsync(plan, FixturePaths.TinyMixtral, _ => ["--wire-dtype", "f32", "--threads", "1", "--expert-call-timeout", "2"]);

        var started = System.Diagnostics.Stopwatch.StartNew();
        int generated = 0;
        var failure = await Assert.ThrowsAsync<GenerationFailedOnClusterException>(async () =>
        {
            await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = Prompt, MaxNewTokens = 400 }))
                if (e.TokenId >= 0 && ++generated == 10) await cluster.Node("b").DisposeAsync();
        });
        Assert.Contains("the request can be retried", failure.Message);
        Assert.True(started.Elapsed < TimeSpan.FromMinutes(1), $"failing took {started.Elapsed}");
        Assert.True(generated < 400);
    }

    private static async Task<int[]> SingleProcessGreedyAsync(int[] prompt, int tokens)
    {
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        using var model = MixtralModel.Load(reader, Config, new ModelOptions());
        await using var engine = new InferenceEngine(model);
        var result = await engine.GenerateToEndAsync(new GenerationRequest(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens }));
        return [.. result.GeneratedIds];
    }
}
