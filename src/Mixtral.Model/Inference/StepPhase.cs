namespace Mixtral.Model.Inference;

/// <summary>Where the time of a forward step goes, as <see cref="StepProfiler"/> counts it.</summary>
public enum StepPhase
{
    /// <summary>Everything outside the phases below: batch set-up, async plumbing, tensor bookkeeping.</summary>
    Other,
    /// <summary>Embedding lookup, RMSNorms and residual adds.</summary>
    NormsAndResiduals,
    /// <summary>The Q, K, V and O projections (weight matrix products).</summary>
    AttentionProjections,
    /// <summary>RoPE, the KV-cache write, scores, softmax and the weighted sum of values.</summary>
    Attention,
    /// <summary>The router's gate product, softmax and top-k.</summary>
    Routing,
    /// <summary>Gathering each expert's rows and adding the weighted outputs back.</summary>
    ExpertGatherScatter,
    /// <summary>The experts themselves: W1/W3 with SwiGLU, then W2 (weight matrix products).</summary>
    Experts,
    /// <summary>The final norm's rows through the LM head.</summary>
    LmHead,
    /// <summary>Picking the next token from the logits (counted by the caller that samples).</summary>
    Sampling,
}
