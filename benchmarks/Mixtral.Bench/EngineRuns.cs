using System.Diagnostics;
using Mixtral.Model.Generation;
using Mixtral.Model.Sampling;

namespace Mixtral.Bench;

/// <summary>Decode and prefill speed measured through the continuous-batching engine, as a client sees it.</summary>
public static class EngineRuns
{
    /// <summary>
    /// <paramref name="sequences"/> greedy requests submitted together (so they share every step), each asking for
    /// <paramref name="newTokens"/> tokens. Aggregate decode speed: the tokens after each sequence's first, over the time
    /// from the last first token to the last finish; prefill is not decode.
    /// </summary>
    public static async Task<Throughput> DecodeAsync(InferenceEngine engine, int sequences, int newTokens, int promptLength, int vocabSize, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var runs = Prompts(sequences, promptLength, vocabSize)
            .Select(p => RunAsync(engine, p, newTokens, clock, ct)).ToArray();
        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        var decodeStart = results.Max(r => r.FirstToken);
        var end = results.Max(r => r.Finished);
        return new Throughput(sequences, results.Sum(r => r.Generated - 1), end - decodeStart);
    }

    /// <summary>One prompt of <paramref name="promptLength"/> tokens and one new token: prompt tokens over the time to the
    /// first token, best of <paramref name="repeats"/>.</summary>
    public static async Task<Throughput> PrefillAsync(InferenceEngine engine, int promptLength, int vocabSize, int repeats, CancellationToken ct)
    {
        var best = TimeSpan.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var prompt = Prompts(1, promptLength, vocabSize, seed: 100 + r)[0];
            var result = await engine.GenerateToEndAsync(new GenerationRequest(prompt, Greedy(1)), ct).ConfigureAwait(false);
            if (result.TimeToFirstToken < best) best = result.TimeToFirstToken;
        }
        return new Throughput(1, promptLength, best);
    }

    private static async Task<(TimeSpan FirstToken, TimeSpan Finished, int Generated)> RunAsync(
        InferenceEngine engine, int[] prompt, int newTokens, Stopwatch clock, CancellationToken ct)
    {
        TimeSpan? first = null;
        await foreach (var e in engine.GenerateAsync(new GenerationRequest(prompt, Greedy(newTokens)), ct).ConfigureAwait(false))
        {
            first ??= clock.Elapsed;
            if (e is GenerationFinished finished)
                return (first.Value, clock.Elapsed, finished.Result.GeneratedTokens);
        }
        throw new InvalidOperationException("the generation stream ended without a result");
    }

    private static SamplingParams Greedy(int newTokens) => SamplingParams.Greedy with { MaxNewTokens = newTokens };

    /// <summary>BOS and then seeded random ids, different for every sequence, so sequences route to different experts.</summary>
    public static int[][] Prompts(int sequences, int length, int vocabSize, int seed = 7)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, sequences).Select(_ => Enumerable.Range(0, length).Select(i => i == 0 ? 1 : random.Next(3, vocabSize)).ToArray())];
    }
}
