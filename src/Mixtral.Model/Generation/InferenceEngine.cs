using System.Runtime.CompilerServices;
using System.Diagnostics;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Generation;

/// <summary>
/// Continuous batching over one <see cref="MixtralModel"/>: requests join the running batch at the next step and
/// leave it the moment they finish (or their caller goes). A prompt is prefilled in chunks of at most
/// <see cref="EngineOptions.MaxPrefillTokensPerStep"/> tokens, in the same forward passes as everyone else's next
/// token, so a long prompt delays the running streams by one chunk per step, not by its whole length. The number of
/// requests held is bounded (<see cref="EngineOptions.MaxQueuedRequests"/>): one more is refused with
/// <see cref="EngineOverloadedException"/>. One loop owns the model; callers only read their own event stream.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly MixtralModel _model;
    private readonly Func<ITextStreamDecoder>? _textDecoders;
    private readonly EngineOptions _options;
    private readonly HashSet<int> _eos;
    private readonly AdmissionQueue _queue;
    private readonly ExpertTokenCounter _expertTokens;
    private readonly CancellationTokenSource _shutdown = new();
    // Held by the loop for each step; other work on the model (a trace) takes it between steps, so the model only
    // ever runs one forward pass at a time (its rotary table and scratch buffers are shared).
    private readonly SemaphoreSlim _modelGate = new(1, 1);
    private readonly Task _loop;
    private volatile int _running;
    private double _recentStepSeconds; // moving average, for the retry hint of a refused request

    public InferenceEngine(MixtralModel model, Func<ITextStreamDecoder>? textDecoders = null, EngineOptions? options = null)
    {
        _model = model;
        _textDecoders = textDecoders;
        _options = options ?? new EngineOptions();
        _options.Validate();
        _eos = [.. model.Config.EosTokenIds];
        // Held = running + waiting: MaxQueuedRequests = 0 means a request is taken only when a batch place is free.
        _queue = new AdmissionQueue(_options.MaxBatchSequences + _options.MaxQueuedRequests);
        Metrics = new EngineMetrics(() => _queue.Count, () => _running);
        _expertTokens = new ExpertTokenCounter(Metrics, model.Config.NumLocalExperts);
        _loop = Task.Run(RunLoopAsync);
    }

    public MixtralModel Model => _model;
    public EngineOptions Options => _options;

    /// <summary>The engine's instruments; read them with an <see cref="EngineMetricsReader"/> or an OpenTelemetry exporter.</summary>
    public EngineMetrics Metrics { get; }

    /// <summary>Sees every serving step's forward pass (e.g. live routing statistics); called on the engine's loop, one
    /// step at a time. Only observes: the steps compute exactly what they would without it.</summary>
    public IForwardObserver? StepObserver { get; set; }

    /// <summary>
    /// Queues a request and streams its tokens; the stream ends with one <see cref="GenerationFinished"/>. Refusals come
    /// from the first MoveNextAsync, before any token: <see cref="ArgumentException"/> (a bad request;
    /// <see cref="ContextLengthExceededException"/> when it does not fit the context) or
    /// <see cref="EngineOverloadedException"/> (the queue is full). Cancelling, or disposing the enumerator early,
    /// drops the sequence (its batch place and KV cache) at the next step.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidateCounted(request);
        var sequence = new ActiveSequence(request, _model.NewCache(), _textDecoders?.Invoke(), _eos, Metrics, _queue.Release, cancellationToken);
        switch (_queue.TryEnqueue(sequence))
        {
            case AdmissionQueue.Outcome.Full:
                sequence.Dispose();
                Metrics.Rejected("overloaded");
                throw new EngineOverloadedException(
                    $"the engine is full ({_options.MaxBatchSequences} running + {_options.MaxQueuedRequests} queued requests); retry later", RetryAfter());
            case AdmissionQueue.Outcome.Closed:
                sequence.Dispose();
                throw new ObjectDisposedException(nameof(InferenceEngine), "the engine is shut down");
        }
        try
        {
            await foreach (var e in sequence.Events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return e; // cancellation is observed by the loop, which then ends this stream with an error
        }
        finally
        {
            sequence.Abandon(); // the caller stopped reading early: free its place at the next step
        }
    }

    /// <summary>Runs a request to the end and returns its result.</summary>
    public async Task<GenerationResult> GenerateToEndAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        await foreach (var e in GenerateAsync(request, cancellationToken).ConfigureAwait(false))
            if (e is GenerationFinished finished) return finished.Result;
        throw new InvalidOperationException("generation stream ended without a result");
    }

    /// <summary>Runs <paramref name="work"/> on the model between two steps of the running batch.</summary>
    public async Task<T> RunExclusiveAsync<T>(Func<MixtralModel, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await _modelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await work(_model).ConfigureAwait(false);
        }
        finally
        {
            _modelGate.Release();
        }
    }

    /// <summary>
    /// How long a refused caller should wait: the queue ahead of it drains about one request per step at best, so the
    /// recent step time × the queue length, within 1..30 s (a hint for Retry-After, not a promise).
    /// </summary>
    private TimeSpan RetryAfter()
    {
        double seconds = Volatile.Read(ref _recentStepSeconds) * Math.Max(1, _queue.Count);
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(seconds), 1, 30));
    }

    private void ValidateCounted(GenerationRequest request)
    {
        try
        {
            Validate(request);
        }
        catch (ContextLengthExceededException)
        {
            Metrics.Rejected("context_length");
            throw;
        }
        catch (ArgumentException)
        {
            Metrics.Rejected("invalid");
            throw;
        }
    }

    private void Validate(GenerationRequest request)
    {
        request.Sampling.Validate();
        if (request.PromptIds.Count == 0) throw Invalid("the prompt is empty: at least one token (e.g. BOS) is needed", "prompt");
        long total = (long)request.PromptIds.Count + request.Sampling.MaxNewTokens; // long: max_new_tokens may be int.MaxValue
        if (total > _model.Config.MaxPositionEmbeddings)
            throw new ContextLengthExceededException(request.PromptIds.Count, request.Sampling.MaxNewTokens, _model.Config.MaxPositionEmbeddings);
        foreach (int id in request.PromptIds)
            if (id < 0 || id >= _model.Config.VocabSize)
                throw Invalid($"prompt token id {id} is outside the vocabulary (0..{_model.Config.VocabSize - 1})", "prompt");
        if (request.Sampling.StopSequences.Count > 0 && _textDecoders is null)
            throw Invalid("stop sequences need a tokenizer, and this engine was built without one", "stop_sequences");
    }

    /// <summary>A refusal naming the request field (as the wire names it), so a gateway can point at it.</summary>
    private static ArgumentException Invalid(string message, string field) => new(message, field);

    private async Task RunLoopAsync()
    {
        var running = new List<ActiveSequence>();
        var token = _shutdown.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (running.Count == 0 && _queue.Count == 0)
                {
                    await _queue.WaitAsync(token).ConfigureAwait(false);
                    continue;
                }
                DropCancelled(running);
                Admit(running);
                _running = running.Count;
                if (running.Count > 0)
                {
                    await _modelGate.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        await StepAsync(running, token).ConfigureAwait(false);
                    }
                    finally
                    {
                        _modelGate.Release();
                    }
                }
                running.RemoveAll(Retired);
                _running = running.Count;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        finally
        {
            var stopped = new ObjectDisposedException(nameof(InferenceEngine), "the engine shut down before the request finished");
            foreach (var s in running.Concat(_queue.Close())) { s.Fail(stopped); s.Dispose(); }
            _running = 0;
        }
    }

    /// <summary>Takes waiting requests while the batch has room (their prompts are then fed chunk by chunk).</summary>
    private void Admit(List<ActiveSequence> running)
    {
        while (running.Count < _options.MaxBatchSequences && _queue.TryDequeue(out var next))
        {
            running.Add(next);
            Metrics.Admitted();
        }
    }

    /// <summary>Ends the streams of cancelled or abandoned requests, running or waiting, and frees their places and caches.</summary>
    private void DropCancelled(List<ActiveSequence> running)
    {
        var dropped = running.Where(s => s.Cancelled).ToList(); // one look: a cancel landing now waits for the next step
        running.RemoveAll(dropped.Contains);
        dropped.AddRange(_queue.TakeCancelled());
        _running = running.Count; // before the callers hear of it: whoever sees the stream end sees the batch without it
        foreach (var s in dropped)
        {
            s.Fail(new OperationCanceledException("the request was cancelled", s.Cancellation));
            Retired(s);
        }
    }

    /// <summary>A finished sequence leaves the batch and its cache is freed (its place was given back as it finished).</summary>
    private bool Retired(ActiveSequence s)
    {
        if (!s.Finished) return false;
        s.Dispose();
        return true;
    }

    /// <summary>
    /// One forward pass: the next token of every decoding sequence, and prompt chunks of the prefilling ones in
    /// arrival order until the step's prompt budget is spent; then one sampled token for each sequence whose prompt
    /// is complete.
    /// </summary>
    private async Task StepAsync(List<ActiveSequence> running, CancellationToken token)
    {
        var stepping = new List<ActiveSequence>(running.Count);
        var chunks = new List<SequenceChunk>(running.Count);
        int budget = _options.MaxPrefillTokensPerStep;
        bool prefill = false;
        foreach (var s in running)
        {
            int promptLeft = s.PromptLeft;
            if (promptLeft > 0 && budget == 0) continue; // waits for the next step's budget
            var input = s.NextInput(budget);
            if (promptLeft > 0) budget -= input.Count;
            prefill |= promptLeft > 0;
            stepping.Add(s);
            chunks.Add(new SequenceChunk(s.Cache, input));
        }
        var batch = new TokenBatch(chunks);
        var started = Stopwatch.GetTimestamp();
        Tensor logits;
        try
        {
            logits = await _model.ForwardAsync(batch, CombinedForwardObserver.Of(_expertTokens, StepObserver), token).ConfigureAwait(false); // [B, V]
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            // A failed step fails the requests in it with the cause; the engine keeps serving the next ones.
            var failure = new GenerationFailedException($"generation step failed: {e.Message}", e);
            foreach (var s in stepping) s.Fail(failure);
            _expertTokens.TakeStepExpertReads(); // a failed step's routing does not count towards the next one
            Metrics.StepFailed();
            return;
        }
        using (logits)
        {
            for (int i = 0; i < stepping.Count; i++)
            {
                using var row = logits[i];
                stepping[i].StepDone(row);
            }
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        Volatile.Write(ref _recentStepSeconds, 0.8 * Volatile.Read(ref _recentStepSeconds) + 0.2 * elapsed.TotalSeconds);
        Metrics.StepCompleted(batch.TokenCount, stepping.Count, elapsed, prefill, _expertTokens.TakeStepExpertReads());
    }

    public async ValueTask DisposeAsync()
    {
        await _shutdown.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _shutdown.Dispose();
        _modelGate.Dispose();
        _queue.Dispose();
        Metrics.Dispose();
    }
}
