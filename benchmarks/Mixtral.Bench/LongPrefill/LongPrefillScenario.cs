using System.Diagnostics;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Model.Sampling;

namespace Mixtral.Bench.LongPrefill;

/// <summary>
/// One measurement: <see cref="LongPrefillOptions.Streams"/> greedy streams decode; once each has
/// <see cref="LongPrefillOptions.TokensBeforeArrival"/> tokens the long prompt arrives; when it has its tokens the streams
/// are cancelled. Every stream token's arrival time is kept, so the gaps can be split into before / during / after the prefill.
/// </summary>
public static class LongPrefillScenario
{
    public static async Task<LongPrefillRun> RunAsync(MixtralModel model, LongPrefillOptions o, int chunk, CancellationToken ct)
    {
        int perStep = chunk == 0 ? o.PromptTokens : chunk;
        await using var engine = new InferenceEngine(model, options: new EngineOptions { MaxPrefillTokensPerStep = perStep, MaxBatchSequences = o.Streams + 1 });
        using var observed = new EngineMetricsReader(engine.Metrics);
        int vocab = model.Config.VocabSize;
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var arrivals = Enumerable.Range(0, o.Streams).Select(_ => new List<TimeSpan>()).ToArray();
        using var warmedUp = new CountdownEvent(o.Streams);
        var prompts = EngineRuns.Prompts(o.Streams, LongPrefillOptions.StreamPromptTokens, vocab);
        var streams = Enumerable.Range(0, o.Streams).Select(i => Task.Run(async () =>
        {
            var request = new GenerationRequest(prompts[i], SamplingParams.Greedy with { MaxNewTokens = 100_000 / Math.Max(1, o.Streams) });
            try
            {
                await foreach (var e in engine.GenerateAsync(request, stop.Token))
                {
                    lock (arrivals[i]) arrivals[i].Add(clock.Elapsed);
                    if (arrivals[i].Count == LongPrefillOptions.TokensBeforeArrival) warmedUp.Signal();
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
        }, ct)).ToArray();

        await Task.Run(() => warmedUp.Wait(ct), ct);
        var longPrompt = EngineRuns.Prompts(1, o.PromptTokens, vocab, seed: 99)[0];
        var arrived = clock.Elapsed;
        var stepsBefore = observed.Steps;
        var result = await engine.GenerateToEndAsync(new GenerationRequest(longPrompt, SamplingParams.Greedy with { MaxNewTokens = LongPrefillOptions.LongNewTokens }), ct);
        var longFirst = arrived + result.TimeToFirstToken;
        var longDone = clock.Elapsed;
        long prefillSteps = observed.Steps - stepsBefore;
        await stop.CancelAsync();
        await Task.WhenAll(streams);

        var before = new List<double>();
        var during = new List<double>();
        foreach (var times in arrivals)
        {
            // Before the arrival: each stream's mean gap (its span over its gaps), not the single gaps. The reader's
            // timestamps come in bursts when it is scheduled late on a busy machine (two tokens read together: one gap
            // near 0, the next double), which would drag a median of single gaps towards 0.
            var steady = times.Where(t => t <= arrived).ToList();
            if (steady.Count > 1) before.Add((steady[^1] - steady[0]).TotalMilliseconds / (steady.Count - 1));
            for (int t = 1; t < times.Count; t++)
                if (times[t] > arrived && times[t - 1] < longFirst) during.Add((times[t] - times[t - 1]).TotalMilliseconds); // a gap that overlaps the prefill
        }
        string label = chunk == 0 ? $"off (the {o.PromptTokens}-token prompt in one step)" : $"chunks of {chunk}";
        return new LongPrefillRun(label, chunk, LatencySummary.Of(before), LatencySummary.Of(during), result.TimeToFirstToken, longDone - arrived, prefillSteps,
            arrivals.Select(a => a.ToArray()).ToArray(), arrived, longFirst);
    }
}

/// <summary>One chunk setting's outcome: the streams' gaps before and during the prefill, and the long prompt's own latency.</summary>
public sealed record LongPrefillRun(string Label, int Chunk, LatencySummary BeforeArrival, LatencySummary DuringPrefill,
    TimeSpan LongTimeToFirstToken, TimeSpan LongTotal, long StepsUntilLongDone, TimeSpan[][] StreamTokenTimes, TimeSpan Arrived, TimeSpan LongFirstToken)
{
    public int Round { get; init; } = 1;

    /// <summary>The worst stall in units of this run's own steady decode gap: robust to how loaded the shared machine was.</summary>
    public double StallInSteadySteps => BeforeArrival.P50Ms > 0 ? DuringPrefill.MaxMs / BeforeArrival.P50Ms : 0;
}

/// <summary>Percentiles of a set of inter-token gaps, in ms.</summary>
public sealed record LatencySummary(int Samples, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary Of(IReadOnlyList<double> gaps)
    {
        if (gaps.Count == 0) return new(0, 0, 0, 0, 0);
        var sorted = gaps.Order().ToArray();
        double At(double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(q * sorted.Length) - 1)];
        return new(sorted.Length, At(0.5), At(0.9), At(0.99), sorted[^1]);
    }
}
