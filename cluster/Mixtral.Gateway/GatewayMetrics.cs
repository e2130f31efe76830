using System.Diagnostics.Metrics;

namespace Mixtral.Gateway;

/// <summary>
/// The gateway's own instruments (meter "Mixtral.Gateway"): requests by route and status, streams open now, and the
/// latencies a client sees (first token, between tokens). The engine's and the fan-out's meters say the rest.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Mixtral.Gateway";
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly UpDownCounter<long> _activeStreams;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interTokenLatency;

    public GatewayMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _requests = _meter.CreateCounter<long>("mixtral.gateway.requests", "{request}", "HTTP requests answered, by route and status");
        _activeStreams = _meter.CreateUpDownCounter<long>("mixtral.gateway.streams.active", "{stream}", "Generations in flight through this gateway (streamed or not)");
        _timeToFirstToken = _meter.CreateHistogram<double>("mixtral.gateway.time_to_first_token", "ms", "From the request to the first token, as the gateway sees it");
        _interTokenLatency = _meter.CreateHistogram<double>("mixtral.gateway.inter_token_latency", "ms", "Between two tokens of one generation, as the gateway sees it");
    }

    public void RequestAnswered(string route, int status) =>
        _requests.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("status", status));

    public void GenerationStarted() => _activeStreams.Add(1);
    public void GenerationEnded() => _activeStreams.Add(-1);
    public void FirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalMilliseconds);
    public void NextToken(TimeSpan elapsed) => _interTokenLatency.Record(elapsed.TotalMilliseconds);

    public void Dispose() => _meter.Dispose();
}
