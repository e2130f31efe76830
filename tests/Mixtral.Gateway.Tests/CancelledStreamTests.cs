using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>A client that closes its stream frees its slot: /metrics shows no stream in flight and the engine stops stepping for it.</summary>
[Collection(GatewayServerGroup.Name)]
public sealed class CancelledStreamTests(GatewayFixture server)
{
    private const string ActiveStreams = "mixtral_gateway_streams_active";
    private const string EngineTokens = "mixtral_engine_tokens_processed_total";
    private const string RunningSequences = "mixtral_engine_sequences_running";

    [Fact]
    public async Task A_cancelled_stream_shows_its_slot_free_in_metrics_and_the_engine_stops_generating_it()
    {
        using (var cancel = new CancellationTokenSource())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/generate_stream", UriKind.Relative))
            {
                Content = JsonContent.Create(new JsonObject { ["inputs"] = "A long story:", ["parameters"] = new JsonObject { ["max_new_tokens"] = 3000 } }),
            };
            using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            int seen = 0;
            await foreach (var _ in SseReader.EventsAsync(response, cancel.Token))
                if (++seen == 3) break;
            Assert.Equal(1, await server.MetricAsync(ActiveStreams));
            await cancel.CancelAsync();
        } // the connection closes here

        double? active = null;
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(200))
            if ((active = await server.MetricAsync(ActiveStreams)) == 0) break;
        Assert.Equal(0, active);
        double? running = null;
        for (var until = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < until; await Task.Delay(200))
            if ((running = await server.MetricAsync(RunningSequences)) == 0) break;
        Assert.Equal(0, running); // the engine's slot (and its KV cache) is free

        // Nothing else runs in this test group now: if the engine still decoded the cancelled sequence, its token count would grow.
        double before = await server.MetricAsync(EngineTokens) ?? throw new InvalidOperationException($"{EngineTokens} is not in /metrics");
        await Task.Delay(1500);
        Assert.Equal(before, await server.MetricAsync(EngineTokens));
    }
}
