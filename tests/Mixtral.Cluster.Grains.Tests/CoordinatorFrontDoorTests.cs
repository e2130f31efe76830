using System.Diagnostics.Metrics;
using Mixtral.Client;
using Mixtral.Cluster.Grains.Experts;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Cluster.Grains.Tests;

/// <summary>
/// What an application's front door needs from the coordinator, seen through a client across the wire: refusals as the
/// contract's types (overloaded with a retry hint, invalid naming the field), cancellation freeing the slot, a health
/// check that runs real compute, and the model's identity and limits.
/// </summary>
public sealed class CoordinatorFrontDoorTests(SingleSlotCluster fixture) : IClassFixture<SingleSlotCluster>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private MixtralClusterClient Client => MixtralClusterClient.Over(fixture.Cluster.Client);

    private static GenerateRequest Ids(int[] ids, int maxNewTokens = 4) => new() { PromptIds = ids, MaxNewTokens = maxNewTokens };

    [Fact]
    public async Task A_full_coordinator_refuses_as_overloaded_and_a_cancelled_request_gives_its_slot_back()
    {
        using var cancel = new CancellationTokenSource();
        await using var running = Client.GenerateAsync(Ids([1, 415, 2936], 4000), cancel.Token).GetAsyncEnumerator(cancel.Token);
        Assert.True(await running.MoveNextAsync().AsTask().WaitAsync(Limit)); // it holds the one slot now

        var refused = await Assert.ThrowsAsync<ClusterOverloadedException>(() => FirstEventAsync(Ids([1, 22557])));
        Assert.InRange(refused.RetryAfterSeconds, 1, 30);
        Assert.Contains("retry", refused.Message);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { while (await running.MoveNextAsync()) { } }).WaitAsync(Limit);
        // The slot is free at the coordinator's next step; the cancellation crosses the wire first, so allow it a moment.
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            try
            {
                Assert.NotNull(await FirstEventAsync(Ids([1, 22557])).WaitAsync(Limit));
                break;
            }
            catch (ClusterOverloadedException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    [Fact]
    public async Task A_request_over_the_context_is_invalid_naming_max_tokens_and_the_context_length()
    {
        var e = await Assert.ThrowsAsync<InvalidGenerateRequestException>(() => FirstEventAsync(Ids([1, 2, 3], 4094)));
        Assert.Equal("max_tokens", e.Field);
        Assert.Equal(fixture.Config.MaxPositionEmbeddings, e.ContextLength);
        Assert.Contains("exceeds the model's context of 4096 tokens", e.Message);
    }

    [Theory]
    [InlineData("temperature", "temperature must be a finite number")]
    [InlineData("prompt", "is outside the vocabulary")]
    [InlineData("empty", "the prompt is empty")]
    [InlineData("forms", "exactly one of prompt ids, prompt text or chat messages")]
    [InlineData("messages", "Conversation roles must alternate")]
    public async Task Bad_requests_are_invalid_naming_the_field(string what, string message)
    {
        var request = what switch
        {
            "temperature" => Ids([1, 2]) with { DoSample = true, Temperature = -1 },
            "prompt" => Ids([1, fixture.Config.VocabSize]),
            "empty" => Ids([]),
            "messages" => new GenerateRequest { Messages = [new ChatTurn("assistant", "hello")] },
            _ => Ids([1]) with { PromptText = "hello" },
        };
        var e = await Assert.ThrowsAsync<InvalidGenerateRequestException>(() => FirstEventAsync(request));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain("(Parameter", e.Message);
        Assert.Equal(what switch { "temperature" => "temperature", "forms" => null, "messages" => "messages", _ => "prompt" }, e.Field);
    }

    [Fact]
    public async Task The_health_check_runs_a_step_through_every_expert_and_says_healthy()
    {
        var health = await Client.HealthAsync().WaitAsync(Limit);
        Assert.True(health.Healthy, health.Detail);
        Assert.Contains($"{fixture.Config.NumHiddenLayers * fixture.Config.NumLocalExperts} experts on 3 node(s)", health.Detail);
        Assert.True(health.ElapsedMs > 0);
    }

    [Fact]
    public async Task Model_info_names_the_folder_and_the_engine_limits()
    {
        var info = await Client.ModelInfoAsync().WaitAsync(Limit);
        Assert.Equal("tiny-mixtral", info.ModelId);
        Assert.Equal(fixture.Config.MaxPositionEmbeddings, info.ContextLength);
        Assert.Equal(fixture.Config.VocabSize, info.VocabSize);
        Assert.Equal(1, info.MaxBatchSequences);
        Assert.Equal(0, info.MaxQueuedRequests);
        Assert.Equal(512, info.MaxPrefillTokens);
        var status = await Client.StatusAsync();
        Assert.Equal(status.Coordinator!.ModelFingerprint, info.Fingerprint);
    }

    [Fact]
    public async Task Expert_call_latency_is_recorded_per_node_for_dashboards()
    {
        var nodes = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == FanOutMetrics.MeterName && instrument.Name == FanOutMetrics.ExpertCallDurationName)
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<double>((_, ms, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == FanOutMetrics.NodeTag) lock (nodes) nodes.Add((string)tag.Value!);
        });
        listener.Start();
        // 48 tokens × top-2 in every layer: experts on every node are called.
        await Client.TraceAsync([1, .. Enumerable.Range(0, 47).Select(i => 100 + 613 * i)]).WaitAsync(Limit);
        lock (nodes) Assert.Superset(InProcessClusterFixture.NodeNames.ToHashSet(), nodes);
    }

    private async Task<TokenEvent> FirstEventAsync(GenerateRequest request)
    {
        await using var events = Client.GenerateAsync(request).GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        return events.Current;
    }
}
