using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mixtral.Cluster.Contracts.Wire;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// A circuit breaker per node, as the coordinator sees it: one Polly pipeline per node name (breaker, then the
/// per-attempt timeout), kept in a <see cref="ResiliencePipelineRegistry{TKey}"/>. A node whose calls keep failing,
/// timing out or losing to hedges is opened: calls to it fail at once (so they go straight to a live copy) and it is
/// ordered last; after the break one trial call decides whether it is back (a resumed or restarted node is used again).
/// </summary>
public sealed partial class NodeHealth : IDisposable
{
    /// <summary>Polly telemetry's pipeline.name of the per-node pipelines (pipeline.instance is the node).</summary>
    public const string PipelineName = "expert-node";
    public const string BreakerStateName = "mixtral.cluster.expert.breaker.state";

    private readonly ExpertCallOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResiliencePipelineRegistry<string> _registry;
    private readonly ConcurrentDictionary<string, Breaker> _breakers = new(StringComparer.Ordinal);
    private readonly ResiliencePipeline<HiddenStateBatch> _lastResort;

    public NodeHealth(ExpertCallOptions options, FanOutMetrics? metrics = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _registry = new ResiliencePipelineRegistry<string>(new ResiliencePipelineRegistryOptions<string>
        {
            BuilderNameFormatter = _ => PipelineName,
            InstanceNameFormatter = node => node,
        });
        // Every copy of an expert is being avoided: try them anyway (timeout only), the node may be back, or the
        // expert re-homed elsewhere; the breakers cannot know that, a call can.
        _lastResort = new ResiliencePipelineBuilder<HiddenStateBatch> { Name = PipelineName, InstanceName = "last-resort", TimeProvider = _time }
            .AddTimeout(options.AttemptTimeout).ConfigureTelemetry(NullLoggerFactory.Instance).Build();
        metrics?.Meter.CreateObservableGauge(BreakerStateName, () => _breakers.Select(b =>
                new Measurement<int>(StateCode(b.Value.State.CircuitState), new KeyValuePair<string, object?>(FanOutMetrics.NodeTag, b.Key))),
            "{state}", "Circuit breaker of each expert node as the coordinator sees it: 0 closed, 1 half-open, 2 open, 3 isolated");
    }

    /// <summary>The node's pipeline: its circuit breaker around one attempt with the per-attempt timeout.</summary>
    public ResiliencePipeline<HiddenStateBatch> For(string node) =>
        _registry.GetOrAddPipeline<HiddenStateBatch>(node, (builder, _) => Configure(builder, node));

    /// <summary>For a call whose every copy is avoided: the attempt timeout without the breakers.</summary>
    public ResiliencePipeline<HiddenStateBatch> LastResort => _lastResort;

    /// <summary>Closed, HalfOpen, Open or Isolated; Closed for a node not called yet.</summary>
    public CircuitState StateOf(string node) => _breakers.TryGetValue(node, out var b) ? b.State.CircuitState : CircuitState.Closed;

    /// <summary>Open and still within its break: calls to it would be refused, so copies elsewhere go first. Once the
    /// break is over the node is tried again (Polly moves to half-open only when a call arrives).</summary>
    public bool IsAvoided(string node) => _breakers.TryGetValue(node, out var b) && b.State.CircuitState switch
    {
        CircuitState.Isolated => true,
        CircuitState.Open => _time.GetUtcNow() < b.OpenUntil,
        _ => false,
    };

    /// <summary>Replica indices to try, <paramref name="preferred"/> first (unless avoided), then in plan order, nodes
    /// being avoided last.</summary>
    public int[] Order(IReadOnlyList<string> owners, int? preferred = null)
    {
        if (owners.Count <= 1) return [0];
        var healthy = new List<int>(owners.Count);
        var avoided = new List<int>();
        if (preferred is int p && p < owners.Count) (IsAvoided(owners[p]) ? avoided : healthy).Add(p);
        for (int i = 0; i < owners.Count; i++)
            if (i != preferred) (IsAvoided(owners[i]) ? avoided : healthy).Add(i);
        return [.. healthy, .. avoided];
    }

    private void Configure(ResiliencePipelineBuilder<HiddenStateBatch> builder, string node)
    {
        var breaker = _breakers.GetOrAdd(node, _ => new Breaker());
        builder.TimeProvider = _time;
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HiddenStateBatch>
        {
            Name = "breaker",
            FailureRatio = _options.BreakerFailureRatio,
            MinimumThroughput = _options.BreakerMinimumCalls,
            SamplingDuration = _options.BreakerSamplingDuration,
            BreakDuration = _options.BreakerBreakDuration,
            StateProvider = breaker.State,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && ExpertCallResilience.CountsAgainstNode(e)),
            OnOpened = args =>
            {
                breaker.OpenUntil = _time.GetUtcNow() + args.BreakDuration;
                LogOpened(node, args.BreakDuration.TotalSeconds, args.Outcome.Exception?.Message ?? "no answer");
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                LogClosed(node);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt-timeout", Timeout = _options.AttemptTimeout });
        builder.ConfigureTelemetry(NullLoggerFactory.Instance); // metrics on meter "Polly"; the transitions are logged below, once
    }

    private static int StateCode(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        CircuitState.Open => 2,
        _ => 3,
    };

    public void Dispose() => _registry.Dispose();

    private sealed class Breaker
    {
        public CircuitBreakerStateProvider State { get; } = new();
        public DateTimeOffset OpenUntil { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "expert node {Node}: circuit opened for {Seconds} s, its calls go to other copies (last failure: {Failure})")]
    private partial void LogOpened(string node, double seconds, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "expert node {Node}: circuit closed, the node answers again")]
    private partial void LogClosed(string node);
}
