using System.Diagnostics;

namespace Mixtral.ClusterBench;

/// <summary>Runs B generations at once through some engine and times every token (one clock for all).</summary>
public static class BatchRunner
{
    /// <param name="generate">Starts one generation of the given prompt and yields once per generated token.</param>
    public static async Task<DecodeMeasurement> RunAsync(int batch, Func<int, IAsyncEnumerable<int>> generate)
    {
        var clock = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, batch).Select(async i =>
        {
            var times = new List<TimeSpan>();
            await foreach (var _ in generate(i)) times.Add(clock.Elapsed);
            return new SequenceTiming(times);
        });
        return DecodeMeasurement.From(batch, await Task.WhenAll(runs));
    }

    /// <summary>Prompt i of a batch: distinct ids so sequences route differently, like real traffic.</summary>
    public static int[] Prompt(int i, int length) =>
        [1, .. Enumerable.Range(0, length - 1).Select(j => 1000 + (i * 7919 + j * 104729) % 30000)];
}
