using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>x + Attention(RMSNorm(x)), then h + MoE(RMSNorm(h)).</summary>
public sealed class DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, MoeBlock moe) : IDisposable
{
    public async ValueTask<Tensor> ForwardAsync(Tensor x, TokenBatch batch, Tensor positions, IForwardObserver? observer, CancellationToken cancellationToken) // [N, D]
    {
        Tensor h, normed;
        using (var scope = NewDisposeScope())
        {
            Tensor attended;
            using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
                normed = inputNorm.Forward(x);
            using (StepProfiler.Enter(StepPhase.Attention))
                attended = attention.Forward(normed, batch, positions);
            using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
            {
                h = (x + attended).MoveToOuterDisposeScope(); // [N, D]
                normed = postAttentionNorm.Forward(h).MoveToOuterDisposeScope();
            }
        }
        // No dispose scope may span the await: TorchSharp's scopes are per thread and the expert call may resume elsewhere.
        using (h)
        using (normed)
        {
            using var moeOut = await moe.ForwardAsync(normed, observer, cancellationToken).ConfigureAwait(false);
            using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
                return h + moeOut;
        }
    }

    public void Dispose()
    {
        inputNorm.Dispose();
        attention.Dispose();
        postAttentionNorm.Dispose();
        moe.Dispose();
    }
}
