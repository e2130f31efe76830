using System.Diagnostics.Metrics;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The cost of distribution, per layer fan-out (coordinator → experts → coordinator), as instruments of meter
/// "Mixtral.Cluster": latency, expert calls, bytes on the wire, retries. This is the only record of them; readers
/// subscribe (<see cref="FanOutWindow"/> for the coordinator's status, OpenTelemetry for /metrics).
/// </summary>
public sealed class FanOutMetrics : IDisposable
{
    public const string MeterName = "Mixtral.Cluster";
    public const string FanOutDurationName = "mixtral.cluster.fanout.duration";
    public const string ExpertCallsName = "mixtral.cluster.expert.calls";
    public const string WireBytesName = "mixtral.cluster.wire.bytes";
    public const string RetriesName = "mixtral.cluster.expert.retries";
    public const string ExpertCallDurationName = "mixtral.cluster.expert.call.duration";
    /// <summary>Tag of <see cref="ExpertCallDurationName"/>: the node the call went to.</summary>
    public const string NodeTag = "node";

    private readonly Histogram<double> _fanOutDuration;
    private readonly Counter<long> _expertCalls;
    private readonly Counter<long> _wireBytes;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _expertCallDuration;

    public FanOutMetrics()
    {
        // One meter per coordinator (not a static one): in-process test clusters run several, each with its own readers.
        Meter = new Meter(MeterName);
        _fanOutDuration = Meter.CreateHistogram<double>(FanOutDurationName, "ms", "One layer's parallel expert calls, coordinator to coordinator");
        _expertCalls = Meter.CreateCounter<long>(ExpertCallsName, "{call}", "Expert grain calls");
        _wireBytes = Meter.CreateCounter<long>(WireBytesName, "By", "Hidden-state bytes sent to and received from experts");
        _retries = Meter.CreateCounter<long>(RetriesName, "{call}", "Expert calls retried after a failure or timeout");
        _expertCallDuration = Meter.CreateHistogram<double>(ExpertCallDurationName, "ms", "One expert call (one attempt) to one node, round trip: tag node");
    }

    public Meter Meter { get; }

    public void Record(TimeSpan duration, int calls, long bytes)
    {
        _fanOutDuration.Record(duration.TotalMilliseconds);
        _expertCalls.Add(calls);
        _wireBytes.Add(bytes);
    }

    public void Retried() => _retries.Add(1);

    /// <summary>One attempt of one expert call to <paramref name="node"/> (failed attempts included: a slow or dying node shows).</summary>
    public void ExpertCall(string node, TimeSpan duration) =>
        _expertCallDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>(NodeTag, node));

    public void Dispose() => Meter.Dispose();
}
