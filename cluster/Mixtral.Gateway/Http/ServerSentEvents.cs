using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mixtral.Gateway.Http;

/// <summary>A text/event-stream response written event by event, each flushed so a client sees every token as it comes.</summary>
public sealed class ServerSentEvents(HttpResponse response)
{
    public void Start()
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy must not hold tokens back
    }

    public Task WriteJsonAsync<T>(T value, CancellationToken cancellationToken) =>
        WriteDataAsync(JsonSerializer.Serialize(value, JsonBody.Options), cancellationToken);

    public async Task WriteDataAsync(string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
