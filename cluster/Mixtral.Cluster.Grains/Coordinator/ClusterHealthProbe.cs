using System.Diagnostics;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using TorchSharp;

namespace Mixtral.Cluster.Grains.Coordinator;

/// <summary>
/// The cluster's health as a request would find it: a one-token forward step through the coordinator's model (embedding,
/// attention, routers, the experts the router picks, LM head), taken between two steps of the running batch, and one
/// row of real compute on every expert replica of the plan, all under one deadline. The first failure is named
/// (expert and node), so an operator knows where to look.
/// </summary>
internal sealed class ClusterHealthProbe(IGrainFactory grains, Placement.PlanEpoch serving, WireDType wire, int hiddenSize, int layers, int experts)
{
    public async Task<ClusterHealth> CheckAsync(InferenceEngine engine, TimeSpan deadline)
    {
        long started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(deadline);
        // Experts first: a lost node shows there by name, where the forward step would only see its retries run out.
        string? failure = await EveryExpertAsync(timeout.Token).ConfigureAwait(false)
            ?? await ForwardStepAsync(engine, timeout.Token).ConfigureAwait(false);
        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return failure is null
            ? new ClusterHealth(true, $"a forward step and {layers * experts} experts on {serving.Plan.Nodes.Count} node(s) answered", ms)
            : new ClusterHealth(false, failure, ms);
    }

    private static async Task<string?> ForwardStepAsync(InferenceEngine engine, CancellationToken deadline)
    {
        try
        {
            return await engine.RunExclusiveAsync(async model =>
            {
                using var cache = model.NewCache();
                using var logits = await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, [model.Config.BosTokenId])]), cancellationToken: deadline);
                using var scope = torch.NewDisposeScope(); // after the await: the scope spans none
                return logits.isfinite().all().item<bool>() ? null : "the coordinator's forward step produced non-finite logits";
            }, deadline).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return deadline.IsCancellationRequested
                ? "the coordinator's one-token forward step did not finish within the health deadline"
                : $"the coordinator's one-token forward step failed: {e.Message}";
        }
    }

    private async Task<string?> EveryExpertAsync(CancellationToken deadline)
    {
        var row = new float[hiddenSize];
        for (int i = 0; i < row.Length; i++) row[i] = (i % 7 - 3) * 0.01f; // a small non-zero row: real SwiGLU compute
        var rows = HiddenStateBatch.Encode(row, 1, hiddenSize, wire);
        var calls = new List<(ExpertKey Key, string Node, Task<HiddenStateBatch> Call)>();
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < experts; e++)
            {
                var owners = serving.Plan.OwnersOf(l, e);
                for (int r = 0; r < owners.Count; r++)
                {
                    var key = new ExpertKey(l, e, r, serving.Generation);
                    calls.Add((key, owners[r], grains.GetGrain<IExpertGrain>(key.ToString()).RunAsync(rows).WaitAsync(deadline)));
                }
            }
        try
        {
            await Task.WhenAll(calls.Select(c => c.Call)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Report the first expert that failed, with its node; the rest may have failed for the same reason.
        }
        foreach (var (key, node, call) in calls)
        {
            if (call.IsCompletedSuccessfully)
            {
                if (call.Result.Rows != 1) return $"expert {key} on node \"{node}\" answered {call.Result.Rows} rows for 1";
                continue;
            }
            string why = call.IsCanceled || call.Exception?.InnerException is TimeoutException or OperationCanceledException
                ? "did not answer within the health deadline"
                : $"failed: {call.Exception?.InnerException?.Message}";
            return $"expert {key} on node \"{node}\" {why}";
        }
        return null;
    }
}
