using Mixtral.Model.Config;

namespace Mixtral.Bench;

/// <summary>
/// The weight bytes one batch-1 decode step must read: the embedding row, per layer the attention projections, the
/// router, two norms and the <c>num_experts_per_tok</c> experts the token is routed to, then the final norm and the LM
/// head. Matrices count at the size they are kept in, norms and the embedding row in the compute dtype. The KV cache and
/// activations are left out: at these lengths they are a few hundred KB.
/// </summary>
public sealed record DecodeBytes(long Embedding, long Attention, long Router, long Norms, long Experts, long LmHead)
{
    public long Total => Embedding + Attention + Router + Norms + Experts + LmHead;

    /// <summary>The weight matrices a step streams through the kernels (all but the embedding row and the norms).</summary>
    public long Matrices => Attention + Router + Experts + LmHead;

    /// <param name="expertBytesPerWeight">Bytes per expert weight where the experts are quantized (scales included); null: matrixBytes.</param>
    public static DecodeBytes For(MixtralConfig c, int matrixBytes, int vectorBytes, double? expertBytesPerWeight = null)
    {
        long d = c.HiddenSize, layers = c.NumHiddenLayers, m = matrixBytes, v = vectorBytes;
        long attention = (2L * c.QueryWidth * d + 2L * c.KeyValueWidth * d) * layers; // q, o; k, v
        long experts = 3L * c.IntermediateSize * d * c.NumExpertsPerTok * layers; // w1, w2, w3 of each chosen expert
        return new DecodeBytes(
            Embedding: d * v,
            Attention: attention * m,
            Router: c.NumLocalExperts * d * layers * m,
            Norms: (2 * layers + 1) * d * v,
            Experts: expertBytesPerWeight is double q ? (long)(experts * q) : experts * m,
            LmHead: (long)c.VocabSize * d * m);
    }
}
