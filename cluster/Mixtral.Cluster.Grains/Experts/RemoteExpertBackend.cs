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
    private readonly ReplicaLoadSplit _split = new(plan, health);

    public WireDType WireDType => wireDType;

    public async ValueTask<Tensor[]> RunAsync(int layer, IReadOnlyList<ExpertBatch> batches, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var requests = batches.Select(b => TensorWire.ToWire(b.Rows, wireDType)).ToArray();
        var calls = new Task<(HiddenStateBatch Answer, int Calls)>[batches.Count];
        for (int i = 0; i < batches.Count; i++)
            calls[i] = SplitCallAsync(layer, batches[i].Expert, requests[i], cancellationToken);
        var results = await Task.WhenAll(calls).ConfigureAwait(false);
        var answers = results.Select(r => r.Answer).ToArray();
        long bytes = requests.Sum(r => (long)r.Payload.Length) + answers.Sum(a => (long)a.Payload.Length);
        // Calls actually made: a replicated expert whose rows were split over copies is one call per copy.
        metrics.Record(Stopwatch.GetElapsedTime(started), results.Sum(r => r.Calls), bytes);
        return [.. answers.Select(a => TensorWire.FromWire(a, device, dtype))];
    }

    /// <summary>One fan-out to experts 0..experts-1 of layer 0 that echo their rows: the wire and runtime without the math.</summary>
    public async Task<TimeSpan> ProbeAsync(int experts, int rowsPerExpert, int hidden)
    {
        var rows = HiddenStateBatch.Encode(new float[rowsPerExpert * hidden], rowsPerExpert, hidden, wireDType);
        long started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, experts).Select(e => grains.GetGrain<IExpertGrain>(new ExpertKey(0, e).ToString()).ProbeAsync(rows))).ConfigureAwait(false);
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
            var key = new ExpertKey(layer, expert, replica);
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
