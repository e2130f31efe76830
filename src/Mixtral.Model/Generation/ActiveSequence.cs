using System.Diagnostics;
using System.Threading.Channels;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;

namespace Mixtral.Model.Generation;

/// <summary>
/// One sequence inside the engine: its cache, the tokens so far, its sampler and stop rules, and the channel
/// its caller reads events from. Owned by the engine loop; only the loop touches it after admission (except
/// <see cref="Abandon"/>, a flag the caller's side may set).
/// </summary>
internal sealed class ActiveSequence : IDisposable
{
    private readonly Channel<GenerationEvent> _events = Channel.CreateUnbounded<GenerationEvent>(new() { SingleReader = true, SingleWriter = true });
    private readonly List<int> _history; // prompt + generated: what the repetition penalty looks at
    private readonly List<int> _generated = [];
    private readonly Sampler _sampler;
    private readonly StopSequenceMatcher _stops;
    private readonly ITextStreamDecoder? _text;
    private readonly IReadOnlySet<int> _eos;
    private readonly EngineMetrics _metrics;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _firstToken, _lastToken;
    private volatile bool _abandoned;
    private Action? _leaving;

    /// <param name="leaving">
    /// Called once, just before the caller can see the stream end: the engine gives the place back there, so a caller
    /// that sends its next request the moment this one ends is not refused by its own finished request.
    /// </param>
    public ActiveSequence(GenerationRequest request, KvCache cache, ITextStreamDecoder? text, IReadOnlySet<int> eos, EngineMetrics metrics, Action leaving, CancellationToken cancellation)
    {
        _leaving = leaving;
        Request = request;
        Cache = cache;
        Cancellation = cancellation;
        _history = [.. request.PromptIds];
        _sampler = new Sampler(request.Sampling);
        _stops = new StopSequenceMatcher(request.Sampling.StopSequences);
        _text = text;
        _eos = eos;
        _metrics = metrics;
    }

    public GenerationRequest Request { get; }
    public KvCache Cache { get; }
    public CancellationToken Cancellation { get; }
    public ChannelReader<GenerationEvent> Events => _events.Reader;
    public bool Finished { get; private set; }

    /// <summary>The caller cancelled or stopped reading: the engine drops the sequence at its next step.</summary>
    public bool Cancelled => _abandoned || Cancellation.IsCancellationRequested;

    /// <summary>Prompt tokens not yet in the cache (chunked prefill feeds them over several steps).</summary>
    public int PromptLeft => Math.Max(0, Request.PromptIds.Count - Cache.Length);

    /// <summary>
    /// The tokens this sequence feeds into the next step: up to <paramref name="promptBudget"/> prompt tokens from
    /// where its cache ends while prefilling, then its last sampled token.
    /// </summary>
    public IReadOnlyList<int> NextInput(int promptBudget)
    {
        int left = PromptLeft;
        if (left == 0) return [_generated[^1]];
        int start = Cache.Length;
        int count = Math.Min(left, promptBudget);
        return start == 0 && count == Request.PromptIds.Count ? Request.PromptIds : Request.PromptIds.Skip(start).Take(count).ToArray();
    }

    /// <summary>
    /// After a step in which this sequence's tokens were committed to its cache: samples the next token from its logits
    /// row once the whole prompt is in the cache (a prompt chunk before the last one produces nothing).
    /// </summary>
    public void StepDone(TorchSharp.torch.Tensor logits) // [V]
    {
        if (PromptLeft > 0) return;
        Advance(logits);
    }

    /// <summary>Samples the next token from this sequence's logits row and emits it; finishes the sequence if a stop rule fires.</summary>
    private void Advance(TorchSharp.torch.Tensor logits) // [V]
    {
        int token = _sampler.Next(logits, _history);
        var now = _clock.Elapsed;
        if (_generated.Count == 0) _firstToken = now;
        _metrics.TokenGenerated(now, _generated.Count == 0 ? null : now - _lastToken);
        _lastToken = now;
        _generated.Add(token);
        _history.Add(token);

        bool eos = _eos.Contains(token);
        string text = eos ? "" : _stops.Append(_text?.Push(token) ?? "");
        FinishReason? finish = eos ? FinishReason.Eos
            : _stops.IsStopped ? FinishReason.Stop
            : _generated.Count >= Request.Sampling.MaxNewTokens ? FinishReason.Length
            : null;
        if (finish is FinishReason.Eos or FinishReason.Length)
            text += _stops.Append(_text?.Flush() ?? "") + _stops.Flush(); // the end: release what was held back
        _events.Writer.TryWrite(new TokenGenerated(token, text, _sampler.LastLogprobs));
        if (finish is FinishReason reason)
        {
            var final = _stops.IsStopped ? FinishReason.Stop : reason;
            var result = new GenerationResult(_generated.ToArray(), _stops.Text, final,
                Request.PromptIds.Count, _firstToken, _clock.Elapsed, _sampler.Seed);
            Leave();
            _events.Writer.TryWrite(new GenerationFinished(result));
            _events.Writer.TryComplete();
            Finished = true;
            _metrics.Finished(final.ToString().ToLowerInvariant());
        }
    }

    /// <summary>Ends the stream with an error the caller sees when it reads (a failed step, a cancelled request, shutdown).</summary>
    public void Fail(Exception error)
    {
        if (Finished) return;
        Leave();
        _events.Writer.TryComplete(error);
        Finished = true;
        _metrics.Finished(error switch
        {
            OperationCanceledException => "cancelled",
            ObjectDisposedException => "shutdown",
            _ => "failed",
        });
    }

    private void Leave() => Interlocked.Exchange(ref _leaving, null)?.Invoke();

    /// <summary>The caller stopped reading before the end (its enumerator was disposed).</summary>
    public void Abandon()
    {
        if (!Finished) _abandoned = true;
    }

    public void Dispose() => Cache.Dispose();
}
