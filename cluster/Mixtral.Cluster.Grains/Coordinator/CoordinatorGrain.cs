using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Grains.Experts;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Grains.Placement;
using Mixtral.Model.Generation;
using Mixtral.Model.Tracing;
using Mixtral.Engine;
using Orleans.Concurrency;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Coordinator;

/// <summary>
/// The coordinator: the model library's <see cref="MixtralModel"/> with a <see cref="RemoteExpertBackend"/> in
/// place of local experts, driven by the same continuous-batching <see cref="InferenceEngine"/> as the
/// single-process engine. Reentrant: every request in flight is one sequence in the shared decode steps.
/// </summary>
[Reentrant]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Orleans ends a grain's life with OnDeactivateAsync, which disposes them")]
[CoordinatorPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class CoordinatorGrain(NodeSettings settings, NodeWeightStore store, FallbackPlacement fallback, NodeDrain drain, ILogger<CoordinatorGrain> logger) : Grain, ICoordinatorGrain
{
    /// <summary>A health check waits at most this long for the forward step and every expert (a load balancer's probe
    /// must not hang; a healthy step takes milliseconds to about a second).</summary>
    private static readonly TimeSpan HealthDeadline = TimeSpan.FromSeconds(10);
    private FanOutMetrics? _metrics;
    private FanOutWindow? _window;
    private RemoteExpertBackend? _experts;
    private NodeHealth? _health;
    private ModelEngine? _loaded;
    private InferenceEngine? _engine;
    private EngineMetricsReader? _engineMetrics;
    private Statistics.RoutingPublisher? _routing;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        bool planned = settings.Plan.Nodes.Any(n => n.Name == settings.NodeName && n.HostsSharedWeights);
        // Elsewhere only while every node the plan gives the coordinator role is gone (FallbackPlacement).
        if (!planned && settings.Plan.Nodes.Any(n => n.HostsSharedWeights && fallback.IsActive(n.Name)))
            throw new InvalidOperationException($"the coordinator was activated on node \"{settings.NodeName}\", which the plan does not give role coordinator or all");
        if (!planned) fallback.CheckRoom("the coordinator", coordinator: true);
        _metrics = new FanOutMetrics();
        _window = new FanOutWindow(_metrics);
        _health = new NodeHealth(settings.ExpertCalls, _metrics, logger);
        _experts = new RemoteExpertBackend(GrainFactory, settings.Plan, settings.WireDType, settings.Compute.Device, settings.Compute.DType,
            new ExpertCallResilience(settings.ExpertCalls, _health, _metrics), _metrics, _health, LocalExpertsOf(settings, store));
        FollowLivePlan();
        // The same factory as the single-process engine, with this backend in place of local experts.
        _loaded = store.CreateCoordinatorEngine(_experts, settings.Engine);
        _engine = _loaded.Engine;
        _engineMetrics = new EngineMetricsReader(_engine.Metrics);
        _routing = Statistics.RoutingPublisher.Start(this, _engine, logger); // live routing statistics (the stats grain)
        LogActivated(settings.NodeName, settings.WireDType);
        return Task.CompletedTask;
    }

    /// <summary>This node's experts computed in place (<see cref="LocalExperts"/>), unless the node emulates another device
    /// for placement experiments (its grains model that device's time) or the operator asked for every call to go
    /// through the grains.</summary>
    private static LocalExperts? LocalExpertsOf(NodeSettings settings, NodeWeightStore store) =>
        settings.EmulatedDevice is null && settings.ExpertCalls.InPlaceLocalExperts ? new LocalExperts(store, settings.NodeName, settings.WireDType) : null;

    public async IAsyncEnumerable<TokenEvent> GenerateAsync(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (drain.IsDraining)
            throw new GenerationFailedOnClusterException($"the coordinator's node \"{settings.NodeName}\" is draining (it leaves once its requests in flight are done); the request can be retried");
        using var inFlight = drain.Track(); // the node leaves only after this request ends
        GenerationRequest engineRequest;
        try
        {
            engineRequest = GenerateRequestMapper.ToRequest(request, store.Folder.Tokenizer);
        }
        catch (Exception e) when (WireErrors.IsTranslated(e))
        {
            throw WireErrors.Translate(e);
        }
        catch (InvalidOperationException e) when (request.Messages is not null)
        {
            throw new InvalidGenerateRequestException(e.Message, "messages"); // e.g. the model folder has no chat template
        }
        TokenGenerated? pending = null; // held one event back so the last token travels with the summary
        await foreach (var e in Translated(_engine!.GenerateAsync(engineRequest, cancellationToken)))
        {
            switch (e)
            {
                case TokenGenerated token:
                    if (pending is not null) yield return GenerateRequestMapper.ToWire(pending, null, store.Folder.Tokenizer);
                    pending = token;
                    break;
                case GenerationFinished finished:
                    yield return GenerateRequestMapper.ToWire(pending ?? new TokenGenerated(-1, ""), finished.Result, store.Folder.Tokenizer);
                    yield break;
            }
        }
    }

    /// <summary>Engine errors become the contract's exceptions: the client gets the cause, not a type it cannot read.</summary>
    private static async IAsyncEnumerable<GenerationEvent> Translated(IAsyncEnumerable<GenerationEvent> events)
    {
        await using var e = events.GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync()) yield break;
            }
            catch (Exception error) when (WireErrors.IsTranslated(error))
            {
                // Overloaded (thrown before the first token, so the gateway can still answer 429), invalid, or failed.
                throw WireErrors.Translate(error);
            }
            yield return e.Current;
        }
    }

    public Task<TraceResult> TraceAsync(int[] tokenIds, CancellationToken cancellationToken = default) =>
        // Between two steps of the running batch: the model runs one forward pass at a time.
        _engine!.RunExclusiveAsync(async model =>
        {
            using var trace = await ForwardTrace.RunAsync(model, tokenIds, cancellationToken);
            var c = model.Config;
            using var ids = trace.RouterTopKIds;
            using var weights = trace.RouterTopKWeights;
            using var logits = trace.Logits.cpu().contiguous();
            using var hidden = trace.FinalHidden.contiguous();
            return new TraceResult(tokenIds.Length, c.VocabSize, c.NumHiddenLayers, c.NumExpertsPerTok, c.HiddenSize,
                Floats(logits), [.. MemoryMarshal.Cast<byte, int>(ids.contiguous().bytes)], Floats(weights), Floats(hidden));
        }, cancellationToken);

    public Task<CoordinatorStatus> DescribeAsync()
    {
        var metrics = _window!;
        var engine = _engineMetrics!;
        return Task.FromResult(new CoordinatorStatus(settings.NodeName, store.Fingerprint, settings.WireDType.ToString(), store.Account().SharedBytes,
            engine.Steps, engine.TokensProcessed, metrics.ExpertCalls, metrics.WireBytes, metrics.Percentile(0.5), metrics.Percentile(0.99),
            metrics.FanOuts, metrics.FanOutTime.TotalMilliseconds, engine.StepTime.TotalMilliseconds, metrics.Retries));
    }

    public async Task<FanOutProbe> ProbeFanOutAsync(int experts, int rowsPerExpert, int samples)
    {
        FanOutProbeLimits.Check(experts, rowsPerExpert, samples, store.Config.NumLocalExperts);
        var times = new double[samples];
        for (int i = 0; i < samples; i++)
            times[i] = (await _experts!.ProbeAsync(experts, rowsPerExpert, store.Config.HiddenSize)).TotalMilliseconds;
        Array.Sort(times);
        return new FanOutProbe(experts, rowsPerExpert, samples, times[samples / 2], times[Math.Min(samples - 1, (int)(samples * 0.99))]);
    }

    public Task<ClusterHealth> CheckHealthAsync() =>
        new ClusterHealthProbe(GrainFactory, ServingPlan(), settings.WireDType, store.Config.HiddenSize, store.Config.NumHiddenLayers, store.Config.NumLocalExperts)
            .CheckAsync(_engine!, HealthDeadline);

    public Task<ModelInfo> DescribeModelAsync()
    {
        var c = store.Config;
        var limits = settings.Engine;
        return Task.FromResult(new ModelInfo(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(store.Folder.Path))), store.Fingerprint,
            c.MaxPositionEmbeddings, c.VocabSize, limits.MaxBatchSequences, limits.MaxQueuedRequests, limits.MaxPrefillTokensPerStep));
    }

    public Task ResetMetricsAsync()
    {
        _window!.Reset();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _engineMetrics?.Dispose();
        _routing?.Dispose();
        _nodeLatency?.Dispose();
        if (_loaded is not null) await _loaded.DisposeAsync();
        _window?.Dispose();
        _health?.Dispose();
        _metrics?.Dispose();
    }

    private static float[] Floats(Tensor t) => [.. MemoryMarshal.Cast<byte, float>(t.contiguous().bytes)];

    [LoggerMessage(Level = LogLevel.Information, Message = "coordinator active on {Node}; hidden states cross the wire as {WireDType}")]
    private partial void LogActivated(string node, Mixtral.Cluster.Contracts.Wire.WireDType wireDType);
}
