using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mixtral.Cluster.Processes;

namespace Mixtral.Cli.Tests;

/// <summary>`mixtral serve`, the README's main job: the embedded cluster and the HTTP API in one process, as users run it.</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_answers_health_and_a_chat_completion_over_http_on_loopback()
    {
        var (serve, port) = await StartServeAsync();
        await using var _ = serve;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };

        using (var health = await http.GetAsync(new Uri("/health", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var chat = await http.PostAsync(new Uri("/v1/chat/completions", UriKind.Relative), new StringContent(
            """{"messages":[{"role":"user","content":"Hello"}],"max_tokens":5,"temperature":0}""", Encoding.UTF8, "application/json"));
        string body = await chat.Content.ReadAsStringAsync();
        Assert.True(chat.IsSuccessStatusCode, body);
        var completion = JsonNode.Parse(body)!;
        Assert.Equal("length", (string?)completion["choices"]![0]!["finish_reason"]);
        Assert.Equal(5, (int)completion["usage"]!["completion_tokens"]!);
    }

    /// <summary>
    /// SIGTERM (docker stop, Kubernetes) while a stream is open: the HTTP API drains (no new requests, the open stream
    /// runs to its end) before the cluster under it stops, and the process exits 0. It used to stop the cluster first,
    /// which could end an open stream with "the connection to the coordinator was lost" (seen on the demo model).
    /// </summary>
    [Fact]
    public async Task Sigterm_lets_an_open_stream_finish_then_exits_cleanly()
    {
        var (serve, port) = await StartServeAsync();
        await using var _ = serve;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/generate_stream", UriKind.Relative))
        {
            Content = new StringContent("""{"inputs":"Hello","parameters":{"max_new_tokens":2000}}""", Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());

        var data = new List<string>();
        string? line;
        while ((line = await events.ReadLineAsync()) is not null && data.Count == 0)
            if (line.StartsWith("data:", StringComparison.Ordinal)) data.Add(line);
        Assert.NotEmpty(data); // the stream is open and generating
        await NodeSignals.TerminateAsync(serve);
        while ((line = await events.ReadLineAsync()) is not null)
            if (line.StartsWith("data:", StringComparison.Ordinal)) data.Add(line);

        var last = JsonNode.Parse(data[^1]["data:".Length..])!;
        Assert.True(last["error"] is null, data[^1]);
        Assert.NotNull((string?)last["generated_text"]);
        int generated = (int)last["details"]!["generated_tokens"]!;
        Assert.Equal(data.Count, generated); // one event per token, none lost
        Assert.Equal(generated == 2000 ? "length" : "eos_token", (string?)last["details"]!["finish_reason"]);
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        // The API drained before the cluster under it stopped, not after.
        int drained = serve.Output.IndexOf("HTTP API stopping", StringComparison.Ordinal);
        int stopped = serve.Output.IndexOf("node local stopping", StringComparison.Ordinal);
        Assert.True(drained >= 0 && stopped > drained, serve.Output);
    }

    [Fact]
    public async Task Serve_refuses_a_port_out_of_range_naming_the_flag()
    {
        var run = await Cli.RunAsync("serve", "--model", Cli.TinyModel, "--port", "70000");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--port", run.StdErr, StringComparison.Ordinal);
    }

    /// <summary>`mixtral serve` on the tiny fixture model, on free loopback ports, once its API answers.</summary>
    private static async Task<(NodeProcess Serve, int Port)> StartServeAsync()
    {
        int port = FreePort.Next();
        var serve = NodeProcess.Start("serve", Path.Combine(AppContext.BaseDirectory, "mixtral.dll"),
            ["serve", "--model", Cli.TinyModel, "--port", Port(port), "--silo-port", Port(FreePort.Next()), "--gateway-port", Port(FreePort.Next())]);
        try
        {
            await serve.WaitForLineAsync($"HTTP API on http://127.0.0.1:{port}/", TimeSpan.FromMinutes(3));
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
        return (serve, port);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
