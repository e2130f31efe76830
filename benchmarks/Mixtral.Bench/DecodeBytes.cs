using Mixtral.Model.Config;

namespace Mixtral.Bench;

/// <summary>
/// The weight bytes one batch-1 decode step must read: the embedding row, per layer the attention projections, the
/// router, two norms and the <c>num_experts_per_tok</c> experts the token is routed to, then the final norm and the LM
/// head, all in the compute dtype. The KV cache and activations are left out: at these lengths they are a few hundred KB.
/// </summary>
public sealed record DecodeBytes(long Embedding, long Attention, long Router, long Norms, long Experts, long LmHead)
{
    public long Total => Embedding + Attention + Router + Norms + Experts + LmHead;

    public static DecodeBytes For(MixtralConfig c, int elementBytes)
    {
        long d = c.HiddenSize, layers = c.NumHiddenLayers, e = elementBytes;
        long attention = (c.QueryWidth * d * 2 + c.KeyValueWidth * d * 2) * layers; // q, o; k, v
        long experts = 3L * c.IntermediateSize * d * c.NumExpertsPerTok * layers; // w1, w2, w3 of each chosen expert
        return new DecodeBytes(
            Embedding: d * e,
            Attention: attention * e,
            Router: c.NumLocalExperts * d * layers * e,
            Norms: (2 * layers + 1) * d * e,
            Experts: experts * e,
            LmHead: (long)c.VocabSize * d * e);
    }
}
