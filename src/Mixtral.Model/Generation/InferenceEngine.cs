using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Generation;

/// <summary>
/// Continuous batching over one <see cref="MixtralModel"/>: requests join the running batch at the next step
/// (their prompt is prefilled in the same forward pass as everyone else's next token) and leave it the moment
/// they finish. One loop owns the model; callers only read their own event stream.
/// </summary>
public sealed class InferenceEngine : IAsyncDisposable
{
    private readonly MixtralModel _model;
    private readonly Func<ITextStreamDecoder>? _textDecoders;
    private readonly EngineOptions _options;
    private readonly HashSet<int> _eos;
    private readonly Channel<ActiveSequence> _admissions = Channel.CreateUnbounded<ActiveSequence>(new() { SingleReader = true });
    private readonly CancellationTokenSource _shutdown = new();
    // Held by the loop for each step; other work on the model (a trace) takes it between steps, so the model only
    // ever runs one forward pass at a time (its rotary table and scratch buffers are shared).
    private readonly SemaphoreSlim _modelGate = new(1, 1);
    private readonly Task _loop;

    public InferenceEngine(MixtralModel model, Func<ITextStreamDecoder>? textDecoders = null, EngineOptions? options = null)
    {
        _model = model;
        _textDecoders = textDecoders;
        _options = options ?? new EngineOptions();
        _options.Validate();
        _eos = [.. model.Config.EosTokenIds];
        _loop = Task.Run(RunLoopAsync);
    }

    public MixtralModel Model => _model;
    public EngineMetrics Metrics { get; } = new();

    /// <summary>Sees every serving step's forward pass (e.g. live routing statistics); called on the engine's loop, one
    /// step at a time. Only observes: the steps compute exactly what they would without it.</summary>
    public IForwardObserver? StepObserver { get; set; }

    /// <summary>Queues a request and streams its tokens; the stream ends with one <see cref="GenerationFinished"/>.</summary>
    public async IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Validate(request);
        var sequence = new ActiveSequence(request, _model.NewCache(), _textDecoders?.Invoke(), _eos, cancellationToken);
        if (!_admissions.Writer.TryWrite(sequence))
        {
            sequence.Dispose();
            throw new ObjectDisposedException(nameof(InferenceEngine), "the engine is shut down");
        }
        Metrics.RequestQueued();
        await foreach (var e in sequence.Events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            yield return e; // cancellation is observed by the loop, which then ends this stream with an error
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

    private void Validate(GenerationRequest request)
    {
        request.Sampling.Validate();
        if (request.PromptIds.Count == 0) throw new ArgumentException("the prompt is empty: at least one token (e.g. BOS) is needed");
        long total = (long)request.PromptIds.Count + request.Sampling.MaxNewTokens; // long: max_new_tokens may be int.MaxValue
        if (total > _model.Config.MaxPositionEmbeddings)
            throw new ContextLengthExceededException(request.PromptIds.Count, request.Sampling.MaxNewTokens, _model.Config.MaxPositionEmbeddings);
        foreach (int id in request.PromptIds)
            if (id < 0 || id >= _model.Config.VocabSize)
                throw new ArgumentException($"prompt token id {id} is outside the vocabulary (0..{_model.Config.VocabSize - 1})");
        if (request.Sampling.StopSequences.Count > 0 && _textDecoders is null)
            throw new ArgumentException("stop sequences need a tokenizer, and this engine was built without one");
    }

    private async Task RunLoopAsync()
    {
        var running = new List<ActiveSequence>();
        var token = _shutdown.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (running.Count == 0 && !await _admissions.Reader.WaitToReadAsync(token).ConfigureAwait(false)) break;
                Admit(running);
                DropCancelled(running);
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
                running.RemoveAll(s => { if (s.Finished) s.Dispose(); return s.Finished; });
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { }
        finally
        {
            var stopped = new ObjectDisposedException(nameof(InferenceEngine), "the engine shut down before the request finished");
            foreach (var s in running) { s.Fail(stopped); s.Dispose(); }
            while (_admissions.Reader.TryRead(out var queued)) { queued.Fail(stopped); queued.Dispose(); }
        }
    }

    /// <summary>Takes queued requests while the batch has room, within the prefill budget of one step.</summary>
    private void Admit(List<ActiveSequence> running)
    {
        int prefill = 0;
        while (running.Count < _options.MaxBatchSequences && _admissions.Reader.TryPeek(out var next))
        {
            bool first = prefill == 0;
            if (!first && prefill + next.Request.PromptIds.Count > _options.MaxPrefillTokensPerStep) break;
            _admissions.Reader.TryRead(out _);
            prefill += next.Request.PromptIds.Count;
            running.Add(next);
            Metrics.RequestAdmitted();
        }
    }

    private static void DropCancelled(List<ActiveSequence> running)
    {
        foreach (var s in running)
            if (s.Cancellation.IsCancellationRequested) s.Fail(new OperationCanceledException("the request was cancelled", s.Cancellation));
        running.RemoveAll(s => { if (s.Finished) s.Dispose(); return s.Finished; });
    }

    /// <summary>One forward pass for every running sequence, then one sampled token each.</summary>
    private async Task StepAsync(List<ActiveSequence> running, CancellationToken token)
    {
        var batch = new TokenBatch(running.Select(s => new SequenceChunk(s.Cache, s.NextInput)).ToList());
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Tensor logits;
        try
        {
            logits = await _model.ForwardAsync(batch, StepObserver, token).ConfigureAwait(false); // [B, V]
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            // A failed step fails the requests in it with the cause; the engine keeps serving the next ones.
            var failure = new GenerationFailedException($"generation step failed: {e.Message}", e);
            foreach (var s in running) s.Fail(failure);
            Metrics.StepFailed();
            return;
        }
        using (logits)
        {
            for (int i = 0; i < running.Count; i++)
            {
                using var row = logits[i];
                running[i].Advance(row);
            }
        }
        Metrics.StepCompleted(batch.TokenCount, running.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    public async ValueTask DisposeAsync()
    {
        _admissions.Writer.TryComplete();
        await _shutdown.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _shutdown.Dispose();
        _modelGate.Dispose();
    }
}
