using System.Diagnostics.Metrics;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// A reader of one <see cref="FanOutMetrics"/>' per-node expert-call latency (<see cref="FanOutMetrics.ExpertCallDurationName"/>,
/// tagged <see cref="FanOutMetrics.NodeTag"/>): calls and mean since start, p50/p99 over each node's recent calls. The
/// meter stays the one record; this only listens, like <see cref="FanOutWindow"/>.
/// </summary>
public sealed class NodeLatencyWindow : IDisposable
{
    private const int Window = 1024;
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, NodeSamples> _nodes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public NodeLatencyWindow(FanOutMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == FanOutMetrics.ExpertCallDurationName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, ms, tags, _) =>
        {
            string? node = null;
            foreach (var tag in tags)
                if (tag.Key == FanOutMetrics.NodeTag) node = tag.Value as string;
            if (node is null) return;
            lock (_gate)
            {
                if (!_nodes.TryGetValue(node, out var samples)) _nodes[node] = samples = new NodeSamples();
                samples.Recent[samples.Calls++ % Window] = ms;
                samples.TotalMs += ms;
            }
        });
        _listener.Start();
    }

    public NodeCallLatency[] Snapshot()
    {
        lock (_gate)
            return [.. _nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n =>
            {
                var recent = n.Value.Recent[..(int)Math.Min(n.Value.Calls, Window)];
                Array.Sort(recent);
                return new NodeCallLatency(n.Key, n.Value.Calls, n.Value.TotalMs / n.Value.Calls, Quantile(recent, 0.5), Quantile(recent, 0.99));
            })];
    }

    private static double Quantile(double[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Round(q * (sorted.Length - 1)))];

    public void Dispose() => _listener.Dispose();

    private sealed class NodeSamples
    {
        public readonly double[] Recent = new double[Window];
        public long Calls;
        public double TotalMs;
    }
}
