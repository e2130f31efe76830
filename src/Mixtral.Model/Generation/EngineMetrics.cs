using System.Diagnostics.Metrics;

namespace Mixtral.Model.Generation;

/// <summary>
/// The engine's instruments (meter "Mixtral.Engine"), under names and units a dashboard can use: they are the only
/// record of what the engine did. Readers subscribe: <see cref="EngineMetricsReader"/> for status pages, tests and
/// benchmarks, OpenTelemetry for /metrics. Rates (tokens/s, requests/s) are rates of the counters.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    public const string MeterName = "Mixtral.Engine";
    public const string QueueDepthName = "mixtral.engine.queue.depth";
    public const string RunningSequencesName = "mixtral.engine.sequences.running";
    public const string TokensProcessedName = "mixtral.engine.tokens.processed";
    public const string TokensGeneratedName = "mixtral.engine.tokens.generated";
    public const string StepsName = "mixtral.engine.steps";
    public const string FailedStepsName = "mixtral.engine.steps.failed";
    public const string StepDurationName = "mixtral.engine.step.duration";
    public const string StepSequencesName = "mixtral.engine.step.sequences";
    public const string TimeToFirstTokenName = "mixtral.engine.time_to_first_token";
    public const string InterTokenLatencyName = "mixtral.engine.inter_token_latency";
    public const string RequestsAdmittedName = "mixtral.engine.requests.admitted";
    public const string RequestsRejectedName = "mixtral.engine.requests.rejected";
    public const string RequestsFinishedName = "mixtral.engine.requests.finished";
    public const string ExpertTokensName = "mixtral.engine.expert.tokens";
    public const string StepExpertReadsName = "mixtral.engine.step.expert_reads";

    /// <summary>Tag of <see cref="StepsName"/>, <see cref="StepDurationName"/>, <see cref="StepSequencesName"/> and
    /// <see cref="StepExpertReadsName"/>: <see cref="DecodeStep"/> when every sequence in the step fed one generated token,
    /// <see cref="PrefillStep"/> when the step carried prompt tokens (a whole prompt or a chunk of one).</summary>
    public const string StepKindTag = "kind";
    public const string DecodeStep = "decode";
    public const string PrefillStep = "prefill";

    /// <summary>Tag of <see cref="RequestsRejectedName"/> and <see cref="RequestsFinishedName"/>.</summary>
    public const string ReasonTag = "reason";

    private readonly Counter<long> _tokensProcessed;
    private readonly Counter<long> _tokensGenerated;
    private readonly Counter<long> _steps;
    private readonly Counter<long> _failedSteps;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<int> _stepSequences;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interTokenLatency;
    private readonly Counter<long> _admitted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _expertTokens;
    private readonly Counter<long> _stepExpertReads;

    /// <param name="queueDepth">Requests waiting for a place in the batch, read when a reader collects.</param>
    /// <param name="runningSequences">Sequences in the batch (prefilling or decoding), read when a reader collects.</param>
    public EngineMetrics(Func<int> queueDepth, Func<int> runningSequences)
    {
        // One meter per engine (not a static one): tests and benchmarks run several engines in one process, each with its readers.
        Meter = new Meter(MeterName);
        Meter.CreateObservableGauge(QueueDepthName, queueDepth, "{request}", "Requests waiting for a place in the batch");
        Meter.CreateObservableGauge(RunningSequencesName, runningSequences, "{sequence}", "Sequences in the running batch");
        _tokensProcessed = Meter.CreateCounter<long>(TokensProcessedName, "{token}", "Tokens through forward steps (prompt chunks + decoded tokens)");
        _tokensGenerated = Meter.CreateCounter<long>(TokensGeneratedName, "{token}", "Tokens sampled and streamed to callers");
        _steps = Meter.CreateCounter<long>(StepsName, "{step}", "Forward steps completed");
        _failedSteps = Meter.CreateCounter<long>(FailedStepsName, "{step}", "Forward steps that failed (their requests failed with them)");
        _stepDuration = Meter.CreateHistogram<double>(StepDurationName, "s", "One forward step with sampling");
        _stepSequences = Meter.CreateHistogram<int>(StepSequencesName, "{sequence}", "Sequences in one step");
        _timeToFirstToken = Meter.CreateHistogram<double>(TimeToFirstTokenName, "s", "From a request's arrival (queueing included) to its first token");
        _interTokenLatency = Meter.CreateHistogram<double>(InterTokenLatencyName, "s", "Between two consecutive tokens of one request");
        _admitted = Meter.CreateCounter<long>(RequestsAdmittedName, "{request}", "Requests taken from the queue into the batch");
        _rejected = Meter.CreateCounter<long>(RequestsRejectedName, "{request}", "Requests refused: reason = overloaded | context_length | invalid");
        _finished = Meter.CreateCounter<long>(RequestsFinishedName, "{request}", "Requests ended: reason = eos | length | stop | cancelled | failed | shutdown");
        _expertTokens = Meter.CreateCounter<long>(ExpertTokensName, "{token}", "Token rows routed to each expert: tags layer, expert");
        _stepExpertReads = Meter.CreateCounter<long>(StepExpertReadsName, "{expert}",
            "Distinct (layer, expert) pairs each step's tokens chose, summed over steps: the expert weights the steps read; tag kind");
    }

    public Meter Meter { get; }

    /// <param name="prefill">The step carried prompt tokens (tag kind = prefill; otherwise decode).</param>
    /// <param name="expertReads">Distinct (layer, expert) pairs its tokens chose.</param>
    internal void StepCompleted(int tokens, int sequences, TimeSpan duration, bool prefill, int expertReads)
    {
        var kind = new KeyValuePair<string, object?>(StepKindTag, prefill ? PrefillStep : DecodeStep);
        _steps.Add(1, kind);
        _tokensProcessed.Add(tokens);
        _stepDuration.Record(duration.TotalSeconds, kind);
        _stepSequences.Record(sequences, kind);
        _stepExpertReads.Add(expertReads, kind);
    }

    internal void StepFailed() => _failedSteps.Add(1);

    internal void TokenGenerated(TimeSpan sinceArrival, TimeSpan? sincePreviousToken)
    {
        _tokensGenerated.Add(1);
        if (sincePreviousToken is TimeSpan gap) _interTokenLatency.Record(gap.TotalSeconds);
        else _timeToFirstToken.Record(sinceArrival.TotalSeconds);
    }

    internal void Admitted() => _admitted.Add(1);

    internal void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));

    internal void Finished(string reason) => _finished.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));

    internal void ExpertTokens(int layer, int expert, long tokens) =>
        _expertTokens.Add(tokens, new KeyValuePair<string, object?>("layer", layer), new KeyValuePair<string, object?>("expert", expert));

    public void Dispose() => Meter.Dispose();
}
