using Mixtral.Model.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>x + Attention(RMSNorm(x)), then h + MoE(RMSNorm(h)).</summary>
public sealed class DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, MoeBlock moe) : IDisposable
{
    public async ValueTask<Tensor> ForwardAsync(Tensor x, TokenBatch batch, Tensor positions, IForwardObserver? observer, CancellationToken cancellationToken) // [N, D]
    {
        Tensor attended, h, normed;
        using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
            normed = inputNorm.Forward(x); // [N, D]
        using (normed)
        using (StepProfiler.Enter(StepPhase.Attention))
            attended = attention.Forward(normed, batch, positions); // [N, D]
        using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
        {
            h = Residual.Add(x, attended); // [N, D]
            normed = postAttentionNorm.Forward(h);
        }
        // No dispose scope may span the await: TorchSharp's scopes are per thread and the expert call may resume elsewhere.
        try
        {
            Tensor moeOut;
            using (normed)
                moeOut = await moe.ForwardAsync(normed, observer, cancellationToken).ConfigureAwait(false);
            using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
                return Residual.Add(h, moeOut);
        }
        finally
        {
            h.Dispose();
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
