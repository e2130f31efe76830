using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Nodes;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Experts;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Placement.Validation;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>
/// Applies a new plan to the running cluster, on the coordinator: check, then (1) every node learns the new generation,
/// (2) warm: every copy of the new plan is activated on its owner and loads its weights while the old copies keep
/// serving, (3) switch: between two decode steps (the engine's exclusive section) the coordinator's backend routes by
/// the new plan, so every step runs wholly on one plan and requests in flight see the same expert math, (4) retire:
/// the old generation's copies are deactivated and their weights freed. A failure before the switch leaves the old
/// plan serving and retires what was warmed.
/// </summary>
public sealed partial class LivePlanChange(IGrainFactory grains, LivePlan plans, NodeSettings settings, NodeWeightStore store,
    IClusterMembershipService membership, ILogger<LivePlanChange> logger) : IDisposable
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<PlanChangeReport> ApplyAsync(PlacementPlan next, string source, InferenceEngine engine, RemoteExpertBackend backend)
    {
        await _oneAtATime.WaitAsync().ConfigureAwait(false);
        try
        {
            var serving = plans.Current;
            await CheckAsync(serving.Plan, next, source).ConfigureAwait(false);
            int generation = serving.Generation + 1;
            string[] nodes = [.. serving.Plan.Nodes.Select(n => n.Name).Union(next.Nodes.Select(n => n.Name)).Order(StringComparer.Ordinal)];
            string json = next.ToJson();
            await Task.WhenAll(nodes.Select(n => grains.GetGrain<INodePlanGrain>(n).AdoptAsync(generation, json))).ConfigureAwait(false);
            LogChangeStarted(generation, source);

            long started = Stopwatch.GetTimestamp();
            var copies = next.Nodes.SelectMany(n => next.ExpertsOn(n.Name).Select(k => new ExpertKey(k.Layer, k.Expert, k.Replica, generation))).ToArray();
            await WarmAsync(copies, nodes, serving.Generation, source).ConfigureAwait(false);
            double warmMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            // The switch: waits for the step in progress (requests keep decoding), then holds the steps back only for the swap.
            long waitStarted = Stopwatch.GetTimestamp();
            (double waitMs, double stallMs) = await engine.RunExclusiveAsync<(double, double)>(_ =>
            {
                double waited = Stopwatch.GetElapsedTime(waitStarted).TotalMilliseconds;
                long swapStarted = Stopwatch.GetTimestamp();
                backend.SwitchPlan(generation, next);
                plans.Switch(generation);
                return Task.FromResult((waited, Stopwatch.GetElapsedTime(swapStarted).TotalMilliseconds));
            }).ConfigureAwait(false);
            await Task.WhenAll(nodes.Select(n => grains.GetGrain<INodePlanGrain>(n).SwitchAsync(generation))).ConfigureAwait(false);

            long retireStarted = Stopwatch.GetTimestamp();
            int[] retired = await Task.WhenAll(nodes.Select(n => grains.GetGrain<INodePlanGrain>(n).RetireAsync(generation))).ConfigureAwait(false);
            double retireMs = Stopwatch.GetElapsedTime(retireStarted).TotalMilliseconds;

            int moved = copies.Count(k => serving.Plan.OwnersOf(k.Layer, k.Expert) is var before && !before.Contains(next.OwnersOf(k.Layer, k.Expert)[k.Replica]));
            var report = new PlanChangeReport(generation, copies.Length, moved, retired.Sum(), warmMs, waitMs, stallMs, retireMs, nodes);
            LogChangeDone(generation, report.CopiesWarmed, moved, report.CopiesRetired, warmMs, waitMs, stallMs);
            return report;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task CheckAsync(PlacementPlan serving, PlacementPlan next, string source)
    {
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Distinct().ToArray();
        var statuses = await Task.WhenAll(active.Select(n => grains.GetGrain<INodeGrain>(n).DescribeAsync())).ConfigureAwait(false);
        var running = statuses.Select(s => new RunningNode(s.Name, s.MemoryBudgetBytes)).ToArray();
        var problems = LivePlanChangeCheck.FindProblems(serving, next, store.Config, ExpertWeightFormats.SizingPrecision(settings.Compute), running, settings.NodeName);
        if (problems.Count > 0)
            throw new PlanChangeRejectedException($"{source} rejected; the serving plan is unchanged:\n  - {string.Join("\n  - ", problems)}");
    }

    /// <summary>Activates every copy (each loads its three tensors on its owner); if one fails, the warmed copies are retired and the old plan stays.</summary>
    private async Task WarmAsync(ExpertKey[] copies, string[] nodes, int serving, string source)
    {
        var calls = copies.Select(k => (Key: k, Call: grains.GetGrain<IExpertGrain>(k.ToString()).DescribeAsync())).ToArray();
        try
        {
            await Task.WhenAll(calls.Select(c => c.Call)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            var failed = calls.First(c => !c.Call.IsCompletedSuccessfully);
            await Task.WhenAll(nodes.Select(n => grains.GetGrain<INodePlanGrain>(n).RetireAsync(serving))).ConfigureAwait(false);
            throw new PlanChangeRejectedException(
                $"{source}: warming copy {failed.Key} failed ({failed.Call.Exception?.InnerException?.Message}); the serving plan is unchanged and the warmed copies were retired");
        }
    }

    public void Dispose() => _oneAtATime.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "live plan change to generation {Generation} from {Source}: warming")]
    private partial void LogChangeStarted(int generation, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "live plan generation {Generation} serving: {Copies} copies warmed ({Moved} moved), {Retired} retired; warm {WarmMs:F0} ms, switch waited {WaitMs:F1} ms for the step, stalled steps {StallMs:F3} ms")]
    private partial void LogChangeDone(int generation, int copies, int moved, int retired, double warmMs, double waitMs, double stallMs);
}
