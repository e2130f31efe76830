using System.Diagnostics;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Wire;
using Mixtral.Model.Experts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The cluster's side of the model's expert seam: for one layer, one call per selected expert, all in
/// parallel, each carrying every row routed to that expert; the answers come back as tensors in order.
/// Experts whose copy is on the coordinator's own node (<paramref name="local"/>) are computed in place while the
/// calls to the other nodes are under way. This is the only thing that differs between the coordinator and the
/// single-process engine.
/// </summary>
public sealed class RemoteExpertBackend(IGrainFactory grains, PlacementPlan plan, WireDType wireDType, Device device, ScalarType dtype,
    ExpertCallResilience resilience, FanOutMetrics metrics, NodeHealth health, LocalExperts? local = null) : IExpertBackend
{
    private ReplicaLoadSplit _split = new(plan, health);
    private int _generation; // the plan generation the copies called belong to (live plan changes; 0 = the start plan)

    public WireDType WireDType => wireDType;

    /// <summary>Routes by <paramref name="next"/> from the next call on. Only between two forward steps (the engine's
    /// exclusive section), so no step mixes plans; the new plan's copies must be warm already.</summary>
    public void SwitchPlan(int generation, PlacementPlan next)
    {
        _split = new ReplicaLoadSplit(next, health);
        plan = next;
        _generation = generation;
    }

    public async ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var outputs = new Tensor?[batches.Count];
        var requests = new HiddenStateBatch?[batches.Count];
        var calls = new Task<(HiddenStateBatch Answer, int Calls)>?[batches.Count];
        // Every layer's fan-out runs under what is left of its step's deadline; past it the step fails naming the
        // experts still unanswered (and their nodes), instead of waiting on a hung node.
        try
        {
            await resilience.Steps.RunAsync(layer, async step =>
            {
                var here = batches.Select(b => CopyHere(layer, b.Expert)).ToArray();
                for (int i = 0; i < batches.Count; i++) // the calls to other nodes first: they travel while this node computes
                    if (here[i] < 0) calls[i] = Call(layer, batches[i], i, requests, step);
                for (int i = 0; i < batches.Count; i++)
                {
                    if (here[i] < 0) continue;
                    step.ThrowIfCancellationRequested();
                    outputs[i] = InPlace(layer, batches[i], here[i]);
                    if (outputs[i] is null) calls[i] = Call(layer, batches[i], i, requests, step); // not loaded here yet
                }
                return await Task.WhenAll(calls.OfType<Task<(HiddenStateBatch, int)>>()).ConfigureAwait(false);
            }, () => Unanswered(layer, batches, calls), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            foreach (var o in outputs) o?.Dispose();
            throw;
        }
        int made = 0;
        long bytes = 0;
        for (int i = 0; i < batches.Count; i++)
        {
            if (calls[i] is not { } call) { made++; continue; } // computed in place: one call, no bytes on the wire
            var (answer, count) = call.Result;
            made += count; // a replicated expert whose rows were split over copies is one call per copy
            bytes += requests[i]!.Payload.Length + answer.Payload.Length;
            outputs[i] = TensorWire.FromWire(answer, device, dtype);
        }
        metrics.Record(Stopwatch.GetElapsedTime(started), made, bytes);
        return outputs!;
    }

    /// <summary>The replica index of this node's copy when this node computes the expert itself, else -1: its copy is here,
    /// the plan sends this call to that copy (the first in failover order, with the breakers' view), and its rows are not
    /// spread over several copies by load share.</summary>
    private int CopyHere(int layer, int expert)
    {
        if (local is null || _split.Spreads(layer, expert)) return -1;
        var owners = plan.OwnersOf(layer, expert);
        for (int r = 0; r < owners.Count; r++)
            if (owners[r] == local.Node) return health.Order(owners)[0] == r ? r : -1;
        return -1;
    }

    private Tensor? InPlace(int layer, ExpertBatch batch, int replica)
    {
        long started = Stopwatch.GetTimestamp();
        var output = local!.TryRun(new ExpertKey(layer, batch.Expert, replica, _generation), batch.Rows);
        if (output is not null) metrics.ExpertCall(local.Node, Stopwatch.GetElapsedTime(started));
        return output;
    }

    private Task<(HiddenStateBatch, int)> Call(int layer, ExpertBatch batch, int i, HiddenStateBatch?[] requests, CancellationToken step)
    {
        requests[i] = TensorWire.ToWire(batch.Rows, wireDType);
        return SplitCallAsync(layer, batch.Expert, requests[i]!, step);
    }

    /// <summary>One fan-out to experts 0..experts-1 of layer 0 that echo their rows: the wire and runtime without the math.</summary>
    public async Task<TimeSpan> ProbeAsync(int experts, int rowsPerExpert, int hidden)
    {
        var rows = HiddenStateBatch.Encode(new float[rowsPerExpert * hidden], rowsPerExpert, hidden, wireDType);
        long started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, experts).Select(e => grains.GetGrain<IExpertGrain>(new ExpertKey(0, e, 0, _generation).ToString()).ProbeAsync(rows))).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>A replicated expert with load shares: its rows spread over its live copies (one call per copy), answers
    /// put back in row order; any other expert: one call, failover order. Returns the answer and the calls made.</summary>
    private async Task<(HiddenStateBatch, int)> SplitCallAsync(int layer, int expert, HiddenStateBatch rows, CancellationToken cancellationToken)
    {
        if (rows.Rows == 1) return (await CallAsync(layer, expert, rows, cancellationToken, _split.ReplicaForOneRow(layer, expert)).ConfigureAwait(false), 1);
        var parts = _split.Split(layer, expert, rows.Rows);
        if (parts is null) return (await CallAsync(layer, expert, rows, cancellationToken).ConfigureAwait(false), 1);
        if (parts.Count == 1) return (await CallAsync(layer, expert, rows, cancellationToken, parts[0].Replica).ConfigureAwait(false), 1);
        var answers = await Task.WhenAll(parts.Select(p =>
            CallAsync(layer, expert, ReplicaLoadSplit.Take(rows, p.Rows), cancellationToken, p.Replica))).ConfigureAwait(false);
        return (ReplicaLoadSplit.Merge(rows.Rows, rows.HiddenSize, parts, answers), parts.Count);
    }

    private Task<HiddenStateBatch> CallAsync(int layer, int expert, HiddenStateBatch rows, CancellationToken cancellationToken, int? preferred = null)
    {
        var owners = plan.OwnersOf(layer, expert);
        // Retry, hedging to another copy, the per-node breakers and the attempt timeout: all in the one pipeline.
        return resilience.ExecuteAsync(owners, preferred, rows.Rows, async (replica, ct) =>
        {
            var key = new ExpertKey(layer, expert, replica, _generation);
            long attemptStarted = Stopwatch.GetTimestamp();
            try
            {
                return await grains.GetGrain<IExpertGrain>(key.ToString()).RunAsync(rows).WaitAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                // Every attempt, failed and cancelled ones included: a slow or dying node shows in its own latency.
                metrics.ExpertCall(owners[replica], Stopwatch.GetElapsedTime(attemptStarted));
            }
        }, cancellationToken);
    }

    /// <summary>"expert 3 (nodes a, b), expert 5 (node b)": the calls of a fan-out still unanswered, for the deadline's error.</summary>
    private string Unanswered(int layer, IReadOnlyList<ExpertBatch> batches, Task<(HiddenStateBatch Answer, int Calls)>?[] calls)
    {
        var waiting = Enumerable.Range(0, batches.Count).Where(i => calls[i] is { IsCompletedSuccessfully: false })
            .Select(i => (Expert: batches[i].Expert, Owners: plan.OwnersOf(layer, batches[i].Expert)))
            .Select(w => $"expert {w.Expert} ({(w.Owners.Count == 1 ? "node" : "nodes")} {string.Join(", ", w.Owners)})").ToList();
        return waiting.Count == 0 ? "no expert (the deadline passed between calls)" : string.Join(", ", waiting);
    }

    public void Dispose() { }
}
