using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mixtral.Cluster.Processes;
using Mixtral.Testing;

namespace Mixtral.Gateway.Tests;

/// <summary>
/// A real overload: `mixtral serve` (its own process, so its engine's instruments are its own) whose coordinator takes one
/// sequence and queues none. While one stream runs, every further request is answered 429 with Retry-After in its API's
/// shape (never buffered), and once the stream ends it serves again.
/// </summary>
public sealed class OverloadedServerTests
{
    [Fact]
    public async Task Beyond_the_batch_and_queue_requests_get_429_with_retry_after_and_the_server_serves_again_after()
    {
        int port = FreePort.Next();
        await using var serve = NodeProcess.Start("serve", Path.Combine(AppContext.BaseDirectory, "mixtral.dll"),
            ["serve", "--model", FixturePaths.TinyMixtral, "--port", Port(port), "--silo-port", Port(FreePort.Next()), "--gateway-port", Port(FreePort.Next()),
             "--max-batch-sequences", "1", "--max-queued-requests", "0"]);
        await serve.WaitForLineAsync($"HTTP API on http://127.0.0.1:{port}/", TimeSpan.FromMinutes(3));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };

        using (var cancel = new CancellationTokenSource())
        {
            using var running = new HttpRequestMessage(HttpMethod.Post, new Uri("/generate_stream", UriKind.Relative))
            {
                Content = JsonContent.Create(new JsonObject { ["inputs"] = "A long story:", ["parameters"] = new JsonObject { ["max_new_tokens"] = 3000 } }),
            };
            using var stream = await http.SendAsync(running, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            await foreach (var _ in SseReader.EventsAsync(stream, cancel.Token)) break; // the one slot is taken

            using var tgi = await http.PostAsJsonAsync(new Uri("/generate", UriKind.Relative),
                new JsonObject { ["inputs"] = "Hello", ["parameters"] = new JsonObject { ["max_new_tokens"] = 2 } });
            Assert.Equal(HttpStatusCode.TooManyRequests, tgi.StatusCode);
            Assert.True(tgi.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without a Retry-After of at least 1 s");
            Assert.Equal("overloaded", (string?)JsonNode.Parse(await tgi.Content.ReadAsStringAsync())!["error_type"]);

            using var openAi = await http.PostAsJsonAsync(new Uri("/v1/completions", UriKind.Relative),
                new JsonObject { ["model"] = "tiny-mixtral", ["prompt"] = "Hello", ["max_tokens"] = 2 });
            Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
            Assert.NotNull(JsonNode.Parse(await openAi.Content.ReadAsStringAsync())!["error"]);
            await cancel.CancelAsync();
        } // the running stream's connection closes: its slot is freed at the next step

        HttpStatusCode last = 0;
        for (var until = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < until && last != HttpStatusCode.OK; await Task.Delay(200))
        {
            using var again = await http.PostAsJsonAsync(new Uri("/generate", UriKind.Relative),
                new JsonObject { ["inputs"] = "Hello", ["parameters"] = new JsonObject { ["max_new_tokens"] = 2 } });
            last = again.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, last);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
