using System.Diagnostics;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Wire;
using Mixtral.Model.Experts;
using Polly;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// The cluster's side of the model's expert seam: for one layer, one call per selected expert, all in
/// parallel, each carrying every row routed to that expert; the answers come back as tensors in order.
/// This is the only thing that differs between the coordinator and the single-process engine.
/// </summary>
public sealed class RemoteExpertBackend(IGrainFactory grains, PlacementPlan plan, WireDType wireDType, Device device, ScalarType dtype,
    ResiliencePipeline<HiddenStateBatch> resilience, FanOutMetrics metrics, NodeHealth health) : IExpertBackend
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
        var requests = batches.Select(b => TensorWire.ToWire(b.Rows, wireDType)).ToArray();
        var calls = new Task<HiddenStateBatch>[batches.Count];
        for (int i = 0; i < batches.Count; i++)
            calls[i] = SplitCallAsync(layer, batches[i].Expert, requests[i], cancellationToken);
        var answers = await Task.WhenAll(calls).ConfigureAwait(false);
        long bytes = requests.Sum(r => (long)r.Payload.Length) + answers.Sum(a => (long)a.Payload.Length);
        metrics.Record(Stopwatch.GetElapsedTime(started), batches.Count, bytes);
        return [.. answers.Select(a => TensorWire.FromWire(a, device, dtype))];
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
    /// put back in row order; any other expert: one call, failover order.</summary>
    private async Task<HiddenStateBatch> SplitCallAsync(int layer, int expert, HiddenStateBatch rows, CancellationToken cancellationToken)
    {
        if (rows.Rows == 1) return await CallAsync(layer, expert, rows, cancellationToken, _split.ReplicaForOneRow(layer, expert)).ConfigureAwait(false);
        var parts = _split.Split(layer, expert, rows.Rows);
        if (parts is null) return await CallAsync(layer, expert, rows, cancellationToken).ConfigureAwait(false);
        if (parts.Count == 1) return await CallAsync(layer, expert, rows, cancellationToken, parts[0].Replica).ConfigureAwait(false);
        var answers = await Task.WhenAll(parts.Select(p =>
            CallAsync(layer, expert, ReplicaLoadSplit.Take(rows, p.Rows), cancellationToken, p.Replica))).ConfigureAwait(false);
        return ReplicaLoadSplit.Merge(rows.Rows, rows.HiddenSize, parts, answers);
    }

    private async Task<HiddenStateBatch> CallAsync(int layer, int expert, HiddenStateBatch rows, CancellationToken cancellationToken, int? preferred = null)
    {
        var owners = plan.OwnersOf(layer, expert);
        int[] order = health.Order(owners);
        if (preferred is int first && order[0] != first) order = [first, .. order.Where(r => r != first)];
        int attempt = 0;
        return await resilience.ExecuteAsync(async ct =>
        {
            // Each retry goes to the next replica, healthy nodes first: with a replicated expert a lost node costs one
            // failed call, after which the breaker sends this and every other call straight to a live replica.
            int replica = order[attempt++ % order.Length];
            var key = new ExpertKey(layer, expert, replica, _generation);
            long attemptStarted = Stopwatch.GetTimestamp();
            try
            {
                return await grains.GetGrain<IExpertGrain>(key.ToString()).RunAsync(rows).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (WireFormatException or ArgumentException) && replica < owners.Count)
            {
                health.Failed(owners[replica]);
                throw;
            }
            finally
            {
                if (replica < owners.Count) metrics.ExpertCall(owners[replica], Stopwatch.GetElapsedTime(attemptStarted));
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() { }
}
