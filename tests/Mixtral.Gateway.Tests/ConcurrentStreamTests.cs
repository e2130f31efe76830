using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>32 greedy streams at once (one decode batch on the cluster) each get exactly the tokens their prompt gets alone.</summary>
[Collection(GatewayServerGroup.Name)]
public sealed class ConcurrentStreamTests(GatewayFixture server)
{
    private const int Streams = 32;
    private const int MaxTokens = 10;

    [Fact]
    public async Task Thirty_two_concurrent_greedy_streams_each_get_the_tokens_they_get_alone()
    {
        string[] prompts = [.. Enumerable.Range(0, Streams).Select(i => $"Request {i}: tell me about the number {i * 7 + 3}")];
        var alone = new List<IReadOnlyList<int>>();
        foreach (string prompt in prompts)
            alone.Add((await server.ReferenceAsync(server.Tokenizer.Encode(prompt, addBos: true), MaxTokens)).GeneratedIds);

        var together = await Task.WhenAll(prompts.Select(StreamAsync));

        for (int i = 0; i < Streams; i++)
            Assert.True(alone[i].SequenceEqual(together[i]), $"stream {i}: alone [{string.Join(',', alone[i])}], together [{string.Join(',', together[i])}]");
    }

    private async Task<List<int>> StreamAsync(string prompt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/generate_stream", UriKind.Relative))
        {
            Content = JsonContent.Create(new JsonObject { ["inputs"] = prompt, ["parameters"] = new JsonObject { ["max_new_tokens"] = MaxTokens } }),
        };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var ids = new List<int>();
        await foreach (var e in SseReader.EventsAsync(response))
            ids.Add((int)e["token"]!["id"]!);
        return ids;
    }
}
