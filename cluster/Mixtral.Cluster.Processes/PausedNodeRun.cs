using System.Diagnostics;
using Mixtral.Cluster.Contracts.Coordinator;

namespace Mixtral.Cluster.Processes;

/// <summary>
/// The hung-node scenario, shared by the fault test and the benchmark: greedy generations in flight on a real cluster;
/// once the first has produced <c>pauseAfterTokens</c> tokens, one node is frozen (SIGSTOP) for a while, then resumed
/// (SIGCONT). Records when every token arrived, so the stall the hang cost each stream can be read off.
/// </summary>
public static class PausedNodeRun
{
    public static async Task<PausedNodeResult> RunAsync(ClusterProcesses cluster, string node, IReadOnlyList<int[]> prompts, int tokens,
        int pauseAfterTokens, TimeSpan pause)
    {
        var clock = Stopwatch.StartNew();
        var arrivals = prompts.Select(_ => new List<TimeSpan>()).ToArray();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TimeSpan pausedAt = TimeSpan.Zero, resumedAt = TimeSpan.Zero;
        var fault = Task.Run(async () =>
        {
            await reached.Task;
            await NodeSignals.PauseAsync(cluster.Node(node));
            pausedAt = clock.Elapsed;
            try
            {
                await Task.Delay(pause); // the length of the hang is the experiment, not a wait for a condition
            }
            finally
            {
                await NodeSignals.ResumeAsync(cluster.Node(node));
                resumedAt = clock.Elapsed;
            }
        });
        var runs = prompts.Select(async (prompt, i) =>
        {
            GenerationSummary? summary = null;
            await foreach (var e in cluster.Client.GenerateAsync(new GenerateRequest { PromptIds = prompt, MaxNewTokens = tokens }))
            {
                if (e.TokenId >= 0) arrivals[i].Add(clock.Elapsed);
                if (i == 0 && arrivals[0].Count == pauseAfterTokens) reached.TrySetResult();
                summary = e.Summary ?? summary;
            }
            return summary?.GeneratedIds.ToArray() ?? throw new InvalidOperationException($"stream {i} ended without a summary");
        }).ToList();
        int[][] generated;
        try
        {
            generated = await Task.WhenAll(runs);
        }
        finally
        {
            reached.TrySetResult(); // a stream that failed early must not leave the node frozen
            await fault;
        }
        return new PausedNodeResult(generated, arrivals, pausedAt, resumedAt);
    }
}

/// <summary>What a <see cref="PausedNodeRun"/> produced: each stream's tokens and arrival times, and when the node was frozen.</summary>
public sealed record PausedNodeResult(int[][] Generated, List<TimeSpan>[] Arrivals, TimeSpan PausedAt, TimeSpan ResumedAt)
{
    /// <summary>Gaps between consecutive tokens of every stream whose interval overlaps the hang.</summary>
    public IReadOnlyList<TimeSpan> GapsWhilePaused => [.. Gaps().Where(g => g.End > PausedAt && g.Start < ResumedAt).Select(g => g.End - g.Start)];

    /// <summary>Gaps of tokens that arrived before the hang: the pace the streams had.</summary>
    public IReadOnlyList<TimeSpan> GapsBefore => [.. Gaps().Where(g => g.End <= PausedAt).Select(g => g.End - g.Start)];

    public TimeSpan MaxGapWhilePaused => GapsWhilePaused.DefaultIfEmpty().Max();

    /// <summary>The mean extra wait per token while the node was frozen, over the median pace before it.</summary>
    public TimeSpan StallPerToken
    {
        get
        {
            var during = GapsWhilePaused;
            if (during.Count == 0) return TimeSpan.Zero;
            var before = GapsBefore.Order().ToList();
            var median = before.Count == 0 ? TimeSpan.Zero : before[before.Count / 2];
            return TimeSpan.FromTicks((long)during.Average(g => (g - median).Ticks));
        }
    }

    private IEnumerable<(TimeSpan Start, TimeSpan End)> Gaps() =>
        Arrivals.SelectMany(a => a.Zip(a.Skip(1), (start, end) => (start, end)));
}
