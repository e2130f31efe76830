using System.Globalization;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;
using Mixtral.Testing;

namespace Mixtral.Cluster.IntegrationTests.MultiProcess;

/// <summary>
/// The failure model: an expert node dies in the middle of a generation. With every expert replicated on the
/// other node, the request completes with exactly the tokens it would have produced without the fault, and the
/// cluster keeps serving.
/// </summary>
public sealed class ExpertNodeFailureTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private void Log(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    private const int Tokens = 120;
    private readonly string _dir = Directory.CreateTempSubdirectory("mixtral-failure-").FullName;
    private readonly List<NodeProcess> _nodes = [];
    private readonly MixtralConfig _config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
    private RedisServer? _redis;
    private MixtralClusterClient? _client;

    /// <summary>Every expert on both expert nodes; replica 0 alternates so each node is the first choice for half of them.</summary>
    private PlacementPlan ReplicatedPlan() => new(
        ModelFingerprint.Identify(_config),
        "replicated (test)",
        [new NodeCapacity("coord", NodeRole.Coordinator), new NodeCapacity("a", NodeRole.Experts), new NodeCapacity("b", NodeRole.Experts)],
        [.. from l in Enumerable.Range(0, _config.NumHiddenLayers)
            from e in Enumerable.Range(0, _config.NumLocalExperts)
            select new ExpertAssignment(l, e, e % 2 == 0 ? ["a", "b"] : ["b", "a"])]);

    public async Task InitializeAsync()
    {
        string plan = Path.Combine(_dir, "plan.json");
        await File.WriteAllTextAsync(plan, ReplicatedPlan().ToJson());
        _redis = await RedisServer.StartAsync();
        string gateway = "";
        foreach (string name in new[] { "coord", "a", "b" })
        {
            int silo = FreePort.Next(), port = FreePort.Next();
            if (name == "coord") gateway = $"127.0.0.1:{port}";
            _nodes.Add(NodeProcess.Start(name, ThreeNodeClusterFixture.MixtralDll,
            [
                "node", "--model", FixturePaths.TinyMixtral, "--node-name", name, "--plan", plan, "--redis", _redis.Endpoint,
                "--silo-port", silo.ToString(CultureInfo.InvariantCulture), "--gateway-port", port.ToString(CultureInfo.InvariantCulture),
                "--wire-dtype", "f32", "--threads", "1", "--expert-call-timeout", "2",
            ]));
        }
        await Task.WhenAll(_nodes.Select(n => n.WaitForLineAsync($"node {n.Name} ready", TimeSpan.FromMinutes(2))));
        Log("nodes ready");
        _client = await MixtralClusterClient.ConnectAsync(gateway);
    }

    [Fact]
    public async Task A_request_in_flight_survives_the_loss_of_an_expert_node_with_the_same_tokens()
    {
        int[] prompt = [1, 5657, 12325, 9780, 19746, 4071, 16373, 7078];
        var expected = await SingleProcessGreedyAsync(prompt, Tokens);

        var generated = new List<int>();
        GenerationSummary? summary = null;
        await foreach (var e in _client!.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = Tokens }))
        {
            if (e.TokenId >= 0) generated.Add(e.TokenId);
            if (generated.Count == 10 && !_nodes[2].HasExited)
            {
                await _nodes[2].DisposeAsync(); // kill node "b" mid-generation
                Log("killed b");
            }
            if (generated.Count % 20 == 0) Log($"{generated.Count} tokens");
            summary = e.Summary ?? summary;
        }
        Assert.True(_nodes[2].HasExited);
        Assert.NotNull(summary);
        Assert.Equal("length", summary.FinishReason);
        Assert.Equal(expected, summary.GeneratedIds);

        Log("generation complete");
        var status = (await _client.StatusAsync()).Coordinator!;
        Log("status");
        Assert.True(status.ExpertCallRetries > 0, "the coordinator should have retried calls to the lost node's experts");

        // And the cluster keeps serving new requests on the surviving replicas.
        GenerationSummary? after = null;
        await foreach (var e in _client.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = 24 }))
            after = e.Summary ?? after;
        Assert.Equal(expected[..24], after!.GeneratedIds);
        Log("second request complete");
    }

    private static async Task<int[]> SingleProcessGreedyAsync(int[] prompt, int tokens)
    {
        var config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        using var model = MixtralModel.Load(reader, config, new ModelOptions());
        await using var engine = new InferenceEngine(model);
        var result = await engine.GenerateToEndAsync(new GenerationRequest(prompt, new SamplingParams { DoSample = false, MaxNewTokens = tokens }));
        return [.. result.GeneratedIds];
    }

    public async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
