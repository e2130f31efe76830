using Mixtral.Model.Experts;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

// Legend: N tokens, D hidden, K experts per token, n tokens routed to one expert.

/// <summary>
/// Sparse mixture of experts: route, then run each selected expert once over exactly the tokens routed to it
/// (gather), and add the weighted outputs back into place (scatter). Never runs an expert on a token that did
/// not choose it. The experts themselves are behind <see cref="IExpertBackend"/>: local or remote.
/// </summary>
public sealed class MoeBlock(int layer, Router router, IExpertBackend experts, int expertCount) : IDisposable
{
    public async ValueTask<Tensor> ForwardAsync(Tensor x, IForwardObserver? observer, CancellationToken cancellationToken) // [N, D] → [N, D]
    {
        if (CpuKernels.Handles(x)) return await ForwardOnHostAsync(x, observer, cancellationToken).ConfigureAwait(false);
        using var routing = Route(x);
        observer?.OnRouting(layer, routing.ExpertIds, routing.Weights);
        var section = StepProfiler.Enter(StepPhase.ExpertGatherScatter);
        var work = GroupByExpert(x, routing);
        try
        {
            Tensor[] outputs;
            using (StepProfiler.Enter(StepPhase.Experts))
                outputs = await experts.RunAsync(layer, work.Select(w => w.Batch).ToList(), cancellationToken).ConfigureAwait(false);
            try
            {
                return Combine(x, work, outputs);
            }
            finally
            {
                foreach (var o in outputs) o.Dispose();
            }
        }
        finally
        {
            foreach (var w in work) w.Dispose();
            section.Dispose();
        }
    }

    /// <summary>
    /// The same computation with routing, gather and scatter done in host memory: a decode step's MoE costs a few
    /// allocations instead of a few dozen LibTorch ops. The experts are called exactly as on the general path.
    /// </summary>
    private async ValueTask<Tensor> ForwardOnHostAsync(Tensor x, IForwardObserver? observer, CancellationToken cancellationToken)
    {
        HostRouting routing;
        using (StepProfiler.Enter(StepPhase.Routing))
            routing = router.RouteOnHost(x);
        if (observer is not null) ReportRouting(observer, routing);
        var section = StepProfiler.Enter(StepPhase.ExpertGatherScatter);
        var groups = HostExpertGroups.Build(routing, expertCount);
        var batches = new List<ExpertBatch>(groups.Count);
        try
        {
            foreach (var g in groups) batches.Add(new ExpertBatch(g.Expert, g.Gather(x)));
            Tensor[] outputs;
            using (StepProfiler.Enter(StepPhase.Experts))
                outputs = await experts.RunAsync(layer, batches, cancellationToken).ConfigureAwait(false);
            try
            {
                return HostExpertGroups.Combine(x, groups, outputs);
            }
            finally
            {
                foreach (var o in outputs) o.Dispose();
            }
        }
        finally
        {
            foreach (var b in batches)
                if (!ReferenceEquals(b.Rows, x)) b.Rows.Dispose(); // x itself goes to an expert every token chose
            section.Dispose();
        }
    }

    private Routing Route(Tensor x)
    {
        using (StepProfiler.Enter(StepPhase.Routing))
            return router.Route(x);
    }

    private void ReportRouting(IForwardObserver observer, HostRouting routing)
    {
        using var ids = tensor(routing.ExpertIds.Select(i => (long)i).ToArray(), [routing.Tokens, routing.PerToken]); // [N, K] int64
        using var weights = tensor(routing.Weights, [routing.Tokens, routing.PerToken]); // [N, K]
        observer.OnRouting(layer, ids, weights);
    }

    /// <summary>
    /// One batch per selected expert, in ascending expert order (the order Hugging Face accumulates in).
    /// The expert ids come to the host here: deciding which experts to call is a host decision.
    /// </summary>
    private List<ExpertWork> GroupByExpert(Tensor x, Routing routing)
    {
        long n = routing.ExpertIds.shape[0], k = routing.ExpertIds.shape[1];
        var ids = routing.ExpertIds.cpu();
        var flat = ids.data<long>().ToArray(); // [N·K]
        if (!ReferenceEquals(ids, routing.ExpertIds)) ids.Dispose();
        var rowsOf = new List<long>[expertCount];
        var slotsOf = new List<long>[expertCount];
        for (long i = 0; i < n * k; i++)
        {
            int e = (int)flat[i];
            (rowsOf[e] ??= []).Add(i / k);
            (slotsOf[e] ??= []).Add(i); // index into the flattened [N·K] weights
        }
        var work = new List<ExpertWork>();
        using var flatWeights = routing.Weights.reshape(-1); // [N·K]
        for (int e = 0; e < expertCount; e++)
        {
            if (rowsOf[e] is null) continue;
            var rowIndex = tensor(rowsOf[e].ToArray(), device: x.device); // [n]
            var weights = flatWeights.index_select(0, tensor(slotsOf[e].ToArray(), device: x.device)).unsqueeze(1); // [n, 1]
            work.Add(new ExpertWork(new ExpertBatch(e, x.index_select(0, rowIndex)), rowIndex, weights));
        }
        return work;
    }

    private static Tensor Combine(Tensor x, List<ExpertWork> work, Tensor[] outputs)
    {
        var result = zeros_like(x); // [N, D]
        for (int i = 0; i < work.Count; i++)
        {
            using var weighted = outputs[i] * work[i].Weights; // [n, D]
            result.index_add_(0, work[i].RowIndex, weighted, 1);
        }
        return result;
    }

    public void Dispose() => router.Dispose();

    private sealed record ExpertWork(ExpertBatch Batch, Tensor RowIndex, Tensor Weights) : IDisposable
    {
        public void Dispose()
        {
            Batch.Rows.Dispose();
            RowIndex.Dispose();
            Weights.Dispose();
        }
    }
}
