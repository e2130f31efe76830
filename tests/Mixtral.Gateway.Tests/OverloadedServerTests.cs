using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mixtral.Client;
using Mixtral.Cluster.Hosting;
using Mixtral.Cluster.Processes;
using Mixtral.Testing;
using Orleans;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// A real overload: a server whose coordinator takes one sequence and queues none. While one stream runs, every further
/// request is answered 429 with Retry-After in its API's shape (never buffered), and once the stream ends it serves again.
/// </summary>
public sealed class OverloadedServerTests : IAsyncLifetime, IDisposable
{
    private IHost? _node;
    private MixtralClusterClient? _client;
    private WebApplication? _api;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        var options = new NodeOptions
        {
            ModelPath = FixturePaths.TinyMixtral,
            NodeName = "local",
            SiloPort = FreePort.Next(),
            GatewayPort = FreePort.Next(),
            ClusterId = "overload-" + Guid.NewGuid().ToString("N"),
            MaxBatchSequences = 1,
            MaxQueuedRequests = 0,
        };
        _node = await NodeHost.StartAsync(options, LogLevel.Warning, CancellationToken.None);
        _client = MixtralClusterClient.Over(_node.Services.GetRequiredService<IClusterClient>());
        _api = await GatewayServer.StartAsync(new GatewayOptions { Port = 0 }, _client, CancellationToken.None);
        _http.BaseAddress = GatewayServer.BaseAddress(_api);
    }

    [Fact]
    public async Task Beyond_the_batch_and_queue_requests_get_429_with_retry_after_and_the_server_serves_again_after()
    {
        using (var cancel = new CancellationTokenSource())
        {
            using var running = new HttpRequestMessage(HttpMethod.Post, new Uri("/generate_stream", UriKind.Relative))
            {
                Content = JsonContent.Create(new JsonObject { ["inputs"] = "A long story:", ["parameters"] = new JsonObject { ["max_new_tokens"] = 3000 } }),
            };
            using var stream = await _http.SendAsync(running, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            await foreach (var _ in SseReader.EventsAsync(stream, cancel.Token)) break; // the one slot is taken

            using var tgi = await _http.PostAsJsonAsync(new Uri("/generate", UriKind.Relative),
                new JsonObject { ["inputs"] = "Hello", ["parameters"] = new JsonObject { ["max_new_tokens"] = 2 } });
            Assert.Equal(HttpStatusCode.TooManyRequests, tgi.StatusCode);
            Assert.True(tgi.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without a Retry-After of at least 1 s");
            var tgiBody = JsonNode.Parse(await tgi.Content.ReadAsStringAsync())!;
            Assert.Equal("overloaded", (string?)tgiBody["error_type"]);

            using var openAi = await _http.PostAsJsonAsync(new Uri("/v1/completions", UriKind.Relative),
                new JsonObject { ["model"] = "tiny-mixtral", ["prompt"] = "Hello", ["max_tokens"] = 2 });
            Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
            Assert.NotNull(JsonNode.Parse(await openAi.Content.ReadAsStringAsync())!["error"]);
            await cancel.CancelAsync();
        } // the running stream's connection closes: its slot is freed at the next step

        HttpStatusCode last = 0;
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until && last != HttpStatusCode.OK; await Task.Delay(200))
        {
            using var again = await _http.PostAsJsonAsync(new Uri("/generate", UriKind.Relative),
                new JsonObject { ["inputs"] = "Hello", ["parameters"] = new JsonObject { ["max_new_tokens"] = 2 } });
            last = again.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, last);
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        if (_api is not null) await _api.DisposeAsync();
        if (_client is not null) await _client.DisposeAsync();
        if (_node is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _node.StopAsync(stop.Token);
            _node.Dispose();
        }
    }
}
