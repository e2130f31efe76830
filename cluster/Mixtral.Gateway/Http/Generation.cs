using System.Diagnostics;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Gateway.Http;

/// <summary>
/// One generation as the handlers see it: opened (the first event awaited, so a refused request is still an HTTP
/// error, not a broken stream), then read event by event. Cancelling the token (the client closed the connection)
/// cancels the grain call, and with it the sequence, at the engine's next step. Counted in the gateway's metrics.
/// </summary>
public sealed class Generation : IAsyncDisposable
{
    private readonly IAsyncEnumerator<TokenEvent> _events;
    private readonly GatewayMetrics _metrics;
    private readonly Stopwatch _sinceLast;
    private bool _pending;

    private Generation(IAsyncEnumerator<TokenEvent> events, GatewayMetrics metrics, Stopwatch sinceLast)
    {
        _events = events;
        _metrics = metrics;
        _sinceLast = sinceLast;
    }

    public static async Task<Generation> OpenAsync(MixtralClusterClient client, GenerateRequest request, GatewayMetrics metrics, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        metrics.GenerationStarted();
        var events = client.GenerateAsync(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            bool any = await events.MoveNextAsync();
            if (!any) throw new GenerationFailedOnClusterException("the cluster ended the generation without a summary; the request can be retried");
            metrics.FirstToken(watch.Elapsed);
            watch.Restart();
            return new Generation(events, metrics, watch) { _pending = true };
        }
        catch
        {
            metrics.GenerationEnded();
            await events.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every event, the first included; the last carries the summary.</summary>
    public async IAsyncEnumerable<TokenEvent> EventsAsync()
    {
        if (_pending)
        {
            _pending = false;
            yield return _events.Current;
            if (_events.Current.Summary is not null) yield break;
        }
        while (await _events.MoveNextAsync())
        {
            _metrics.NextToken(_sinceLast.Elapsed);
            _sinceLast.Restart();
            yield return _events.Current;
            if (_events.Current.Summary is not null) yield break;
        }
        throw new GenerationFailedOnClusterException("the cluster ended the generation without a summary; the request can be retried");
    }

    /// <summary>
    /// Reads to the end: the summary, each token's log-probabilities (when the request asked for them) in order, and
    /// where the text each of those tokens released starts in the generated text.
    /// </summary>
    public async Task<(GenerationSummary Summary, List<TokenProbabilities> Tokens, List<int> TextOffsets)> ReadToEndAsync()
    {
        var tokens = new List<TokenProbabilities>();
        var offsets = new List<int>();
        int offset = 0;
        await foreach (var e in EventsAsync())
        {
            if (e.Logprobs is { } p)
            {
                tokens.Add(p);
                offsets.Add(offset);
            }
            offset += e.Text.Length;
            if (e.Summary is { } summary) return (summary, tokens, offsets);
        }
        throw new GenerationFailedOnClusterException("the cluster ended the generation without a summary; the request can be retried");
    }

    public async ValueTask DisposeAsync()
    {
        _metrics.GenerationEnded();
        await _events.DisposeAsync();
    }
}
