using System.Text;
using System.Text.Json.Nodes;

namespace Mixtral.Gateway.Tests;

/// <summary>Reads a text/event-stream response's data lines as JSON, as an HTTP client written from the spec would.</summary>
internal static class SseReader
{
    public static async IAsyncEnumerable<JsonNode> EventsAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            string data = line[5..].Trim();
            if (data == "[DONE]") yield break;
            yield return JsonNode.Parse(data)!;
        }
    }
}
