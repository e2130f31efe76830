using System.Diagnostics;
using System.Threading.Channels;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;

namespace Mixtral.Model.Generation;

/// <summary>
/// One sequence inside the engine: its cache, the tokens so far, its sampler and stop rules, and the channel
/// its caller reads events from. Owned by the engine loop; only the loop touches it after admission.
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
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _firstToken;

    public ActiveSequence(GenerationRequest request, KvCache cache, ITextStreamDecoder? text, IReadOnlySet<int> eos, CancellationToken cancellation)
    {
        Request = request;
        Cache = cache;
        Cancellation = cancellation;
        _history = [.. request.PromptIds];
        _sampler = new Sampler(request.Sampling);
        _stops = new StopSequenceMatcher(request.Sampling.StopSequences);
        _text = text;
        _eos = eos;
    }

    public GenerationRequest Request { get; }
    public KvCache Cache { get; }
    public CancellationToken Cancellation { get; }
    public ChannelReader<GenerationEvent> Events => _events.Reader;
    public bool Finished { get; private set; }

    /// <summary>The tokens this sequence feeds into the next step: its whole prompt first, then its last token.</summary>
    public IReadOnlyList<int> NextInput => _generated.Count == 0 ? Request.PromptIds : [_generated[^1]];

    /// <summary>Samples the next token from this sequence's logits row and emits it; finishes the sequence if a stop rule fires.</summary>
    public void Advance(TorchSharp.torch.Tensor logits) // [V]
    {
        int token = _sampler.Next(logits, _history);
        if (_generated.Count == 0) _firstToken = _clock.Elapsed;
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
        _events.Writer.TryWrite(new TokenGenerated(token, text));
        if (finish is FinishReason reason)
        {
            var result = new GenerationResult(_generated.ToArray(), _stops.Text, _stops.IsStopped ? FinishReason.Stop : reason,
                Request.PromptIds.Count, _firstToken, _clock.Elapsed, _sampler.Seed);
            _events.Writer.TryWrite(new GenerationFinished(result));
            _events.Writer.TryComplete();
            Finished = true;
        }
    }

    /// <summary>Ends the stream with an error the caller sees when it reads (a failed step, a cancelled request).</summary>
    public void Fail(Exception error)
    {
        if (Finished) return;
        _events.Writer.TryComplete(error);
        Finished = true;
    }

    public void Dispose() => Cache.Dispose();
}
