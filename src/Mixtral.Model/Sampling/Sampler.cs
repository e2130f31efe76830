using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Sampling;

/// <summary>
/// Picks the next token of one sequence from its last-position logits: <see cref="LogitsProcessors.Apply"/>
/// in transformers' order, then argmax (greedy) or one draw from softmax (sampling).
/// </summary>
/// <remarks>
/// One sampler per sequence, not thread-safe: it owns the sequence's random stream (xoshiro256** seeded from
/// <see cref="Seed"/>, exactly one draw per sampled token), so a seed reproduces a whole generation in any
/// process. The logits are copied once to host memory (128 KB for V = 32000) and processed there: the
/// chosen token then depends only on the logit values and the seed, never on which device or which torch
/// kernel computed them, which is what lets a sampled run be compared across devices and deployments.
/// </remarks>
public sealed class Sampler
{
    private readonly Xoshiro256StarStar _random;
    private float[] _logits = [];
    private double[] _weights = [];
    private float[] _raw = []; // the logits before the processors, when log-probabilities are asked for

    public Sampler(SamplingParams parameters)
    {
        parameters.Validate();
        Parameters = parameters;
        Seed = parameters.Seed ?? BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(sizeof(ulong)));
        _random = new Xoshiro256StarStar(Seed);
    }

    public SamplingParams Parameters { get; }

    /// <summary>The seed in use: the requested one, or the one drawn when none was requested (log it to replay).</summary>
    public ulong Seed { get; }

    /// <param name="logits">[V] one position's logits, any float dtype, any device.</param>
    /// <param name="previousIds">The prompt and every token generated so far (for the repetition penalty).</param>
    public int Next(Tensor logits, IReadOnlyList<int> previousIds)
    {
        if (logits.ndim != 1 || logits.shape[0] < 1)
            throw new ArgumentException(
                $"logits must be one non-empty row [V], got shape [{string.Join(", ", logits.shape)}]; pass the last position's row",
                nameof(logits));
        Span<float> row = Row(checked((int)logits.shape[0]));
        CopyToHost(logits, row);
        return NextInPlace(row, previousIds);
    }

    /// <inheritdoc cref="Next(Tensor, IReadOnlyList{int})"/>
    public int Next(ReadOnlySpan<float> logits, IReadOnlyList<int> previousIds)
    {
        if (logits.IsEmpty)
            throw new ArgumentException("logits are empty: the vocabulary has no token", nameof(logits));
        Span<float> row = Row(logits.Length);
        logits.CopyTo(row);
        return NextInPlace(row, previousIds);
    }

    /// <summary>The chosen token's log-probability and the top alternatives of the last <see cref="Next(Tensor, IReadOnlyList{int})"/>,
    /// when <see cref="SamplingParams.TopLogprobs"/> asks for them; otherwise null.</summary>
    public TokenLogprobs? LastLogprobs { get; private set; }

    private int NextInPlace(Span<float> logits, IReadOnlyList<int> previousIds)
    {
        CheckUsable(logits);
        // Read off the raw logits before the processors change them in place (the model's distribution, not the request's).
        double logSumExp = 0;
        TokenLogprob[] top = [];
        bool logprobs = Parameters.TopLogprobs is not null;
        if (logprobs)
        {
            if (_raw.Length != logits.Length) _raw = new float[logits.Length];
            logSumExp = TokenLogprobs.LogSumExp(logits, _raw);
            top = TokenLogprobs.MostLikely(logits, logSumExp, Parameters.TopLogprobs!.Value);
            logits.CopyTo(_raw); // the raw row, for the chosen token's logprob once it is chosen
        }
        LogitsProcessors.Apply(logits, previousIds, Parameters);
        int token = Parameters.IsGreedy ? ArgMax(logits) : Draw(logits, _random.NextDouble());
        LastLogprobs = logprobs ? new TokenLogprobs(_raw[token] - logSumExp, top) : null;
        return token;
    }

    /// <summary>The first index of the largest logit (torch.argmax's tie rule: the lowest id).</summary>
    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
                best = i;
        }
        return best;
    }

    /// <summary>
    /// Inverse-CDF draw from softmax(logits) with <paramref name="u"/> uniform on [0, 1): the first id whose
    /// cumulative weight exceeds u × total. A token of weight 0 (-inf) never exceeds, so it is never chosen.
    /// </summary>
    private int Draw(ReadOnlySpan<float> logits, double u)
    {
        float max = float.NegativeInfinity;
        foreach (float v in logits)
            max = Math.Max(max, v);
        Span<double> weights = _weights.AsSpan(0, logits.Length);
        double total = 0;
        for (int i = 0; i < logits.Length; i++) // after top-k/top-p most are -inf: skip their exp
            total += weights[i] = float.IsNegativeInfinity(logits[i]) ? 0 : Math.Exp((double)logits[i] - max);

        double threshold = u * total, cumulative = 0;
        int last = -1;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0)
                continue;
            cumulative += weights[i];
            last = i;
            if (cumulative > threshold)
                return i;
        }
        return last; // only when u × total rounded up to total: the last token that has weight
    }

    /// <summary>NaN or +inf would make softmax NaN; a row of -inf has nothing to choose. Name the culprit.</summary>
    private static void CheckUsable(ReadOnlySpan<float> logits)
    {
        bool anyFinite = false;
        for (int i = 0; i < logits.Length; i++)
        {
            float v = logits[i];
            if (float.IsNaN(v) || float.IsPositiveInfinity(v))
                throw new ArgumentException(
                    $"logits[{i}] is {(float.IsNaN(v) ? "NaN" : "+inf")}: the forward pass produced a non-finite logit", nameof(logits));
            anyFinite |= !float.IsNegativeInfinity(v);
        }
        if (!anyFinite)
            throw new ArgumentException($"all {logits.Length} logits are -inf: no token can be chosen", nameof(logits));
    }

    private Span<float> Row(int vocabSize)
    {
        if (_logits.Length != vocabSize)
        {
            _logits = new float[vocabSize];
            _weights = new double[vocabSize];
        }
        return _logits;
    }

    private static void CopyToHost(Tensor logits, Span<float> row)
    {
        using var scope = NewDisposeScope();
        Tensor host = logits.device_type == DeviceType.CPU && logits.dtype == ScalarType.Float32 && logits.is_contiguous()
            ? logits
            : logits.to(ScalarType.Float32, CPU).contiguous();
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(row);
    }
}
