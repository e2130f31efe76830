using System.Text.Json;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Statistics;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Model.Inference;
using Mixtral.Model.Tracing;
using Mixtral.Testing;
using Xunit.Abstractions;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>Live routing statistics: what the coordinator's steps route, counted by the statistics grain off the routing
/// stream, equals what a routing trace of the same tokens counts on the single-process model.</summary>
public sealed class RoutingStatisticsLiveTests(Float32WireCluster fixture, ITestOutputHelper output) : IClassFixture<Float32WireCluster>
{
    [Fact]
    public async Task The_statistics_grain_counts_what_a_trace_of_the_generated_tokens_counts()
    {
        const int newTokens = 5;
        var prompts = Prompts().Take(3).ToList();
        var coordinator = fixture.Cluster.GrainFactory.GetGrain<ICoordinatorGrain>(0);
        var generated = new List<int[]>();
        foreach (var ids in prompts) // one request at a time; the statistics count tokens, so batching would not matter
        {
            var tokens = new List<int>();
            await foreach (var e in coordinator.GenerateAsync(new GenerateRequest { PromptIds = ids, MaxNewTokens = newTokens }))
                if (e.TokenId >= 0) tokens.Add(e.TokenId);
            generated.Add([.. tokens]);
        }

        // The oracle: trace-routing's path (RoutingRecorder → trace records → statistics) over the tokens the engine fed:
        // each prompt, then each generated token but the last, one step at a time with the prompt's cache.
        var trace = new StringWriter();
        for (int p = 0; p < prompts.Count; p++)
        {
            using var cache = fixture.SingleProcess.NewCache();
            int position = 0;
            foreach (int[] step in new[] { prompts[p] }.Concat(generated[p].Take(newTokens - 1).Select(t => new[] { t })))
            {
                var recorder = new RoutingRecorder();
                using (await fixture.SingleProcess.ForwardAsync(new TokenBatch([new SequenceChunk(cache, step)]), recorder)) { }
                for (int t = 0; t < step.Length; t++, position++)
                    foreach (var layer in recorder.Layers)
                        RoutingTraceFile.Write(trace, new RoutingTraceRecord(p, position, layer.Layer,
                            [.. layer.ExpertIds.AsSpan(t * layer.PerToken, layer.PerToken).ToArray().Select(e => (int)e)],
                            layer.Weights.AsSpan(t * layer.PerToken, layer.PerToken).ToArray()));
            }
        }
        var expected = RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Read(new StringReader(trace.ToString()), "oracle"), fixture.Config.NumLocalExperts);

        var snapshot = await WaitForTokens(expected.Tokens);
        var live = RoutingStatistics.FromJson(snapshot.StatisticsJson, "statistics grain");
        output.WriteLine($"{snapshot.Steps} steps, {snapshot.Tokens} tokens; node loads: {string.Join(", ", snapshot.Nodes.Zip(snapshot.NodeTokens, (n, t) => $"{n}={t}"))}");
        Assert.Equal(prompts.Count * newTokens, snapshot.Steps); // a prefill and newTokens - 1 decode steps per request
        Assert.Equal(expected.ToJson(), live.ToJson()); // loads, pairs within a layer and choices across layers, exactly
        // Round-robin plan, one copy each: every routed (token, layer, slot) lands on exactly one node.
        Assert.Equal(expected.Tokens * expected.Layers * expected.ExpertsPerToken, snapshot.NodeTokens.Sum());
        Assert.Equal(InProcessClusterFixture.NodeNames, snapshot.Nodes);
    }

    /// <summary>The stream delivers asynchronously: ask until the grain has seen the expected tokens (or 30 s pass).</summary>
    private async Task<RoutingStatisticsSnapshot> WaitForTokens(long tokens)
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<IRoutingStatisticsGrain>(RoutingStreamNames.Key);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var snapshot = await grain.GetAsync();
            if (snapshot.Tokens >= tokens || DateTime.UtcNow > deadline) return snapshot;
            await Task.Delay(50);
        }
    }

    private static List<int[]> Prompts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.ReferenceJson));
        return [.. doc.RootElement.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray())];
    }
}
