using Mixtral.Model.Checkpoint;
using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tracing;

// Legend: T tokens, V vocabulary, L layers, K experts per token, D hidden.

/// <summary>
/// Everything one forward pass over a prompt decided, in the layout of the Hugging Face reference:
/// logits [T, V] f32, router_topk_ids [L, T, K] i32, router_topk_weights [L, T, K] f32, final_hidden [T, D] f32.
/// </summary>
public sealed class ForwardTrace : IForwardObserver, IDisposable
{
    private readonly List<Tensor> _ids = [];
    private readonly List<Tensor> _weights = [];
    private Tensor? _finalHidden;
    private Tensor? _logits;

    public Tensor Logits => _logits ?? throw new InvalidOperationException("the trace has not run");
    public Tensor RouterTopKIds => stack(_ids).to(ScalarType.Int32);
    public Tensor RouterTopKWeights => stack(_weights);
    public Tensor FinalHidden => _finalHidden ?? throw new InvalidOperationException("the trace has not run");

    public static async Task<ForwardTrace> RunAsync(MixtralModel model, IReadOnlyList<int> ids, CancellationToken cancellationToken = default)
    {
        var trace = new ForwardTrace();
        using var cache = model.NewCache();
        trace._logits = await model.ForwardAsync(new TokenBatch([new SequenceChunk(cache, ids)], LogitRows.All), trace, cancellationToken).ConfigureAwait(false);
        return trace;
    }

    void IForwardObserver.OnRouting(int layer, Tensor expertIds, Tensor weights)
    {
        _ids.Add(expertIds.cpu().clone());
        _weights.Add(weights.to(ScalarType.Float32).cpu().clone());
    }

    void IForwardObserver.OnFinalHidden(Tensor hidden) => _finalHidden = hidden.to(ScalarType.Float32).cpu().clone();

    /// <summary>Writes the trace as a safetensors file with the reference's tensor names.</summary>
    public void Save(string path)
    {
        using var ids = RouterTopKIds;
        using var weights = RouterTopKWeights;
        using var logits = Logits.cpu();
        SafetensorsWriter.Write(path, [
            ("logits", logits),
            ("router_topk_ids", ids),
            ("router_topk_weights", weights),
            ("final_hidden", FinalHidden),
        ]);
    }

    public void Dispose()
    {
        foreach (var t in _ids) t.Dispose();
        foreach (var t in _weights) t.Dispose();
        _finalHidden?.Dispose();
        _logits?.Dispose();
    }
}
