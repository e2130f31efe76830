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
        int port = FreePort.Next();
        await using var serve = NodeProcess.Start("serve", Path.Combine(AppContext.BaseDirectory, "mixtral.dll"),
            ["serve", "--model", Cli.TinyModel, "--port", Port(port), "--silo-port", Port(FreePort.Next()), "--gateway-port", Port(FreePort.Next())]);
        await serve.WaitForLineAsync($"HTTP API on http://127.0.0.1:{port}/", TimeSpan.FromMinutes(3));
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

    [Fact]
    public async Task Serve_refuses_a_port_out_of_range_naming_the_flag()
    {
        var run = await Cli.RunAsync("serve", "--model", Cli.TinyModel, "--port", "70000");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--port", run.StdErr, StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
