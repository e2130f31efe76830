using System.Buffers;

namespace Mixtral.Model.Sampling;

/// <summary>
/// TopPLogitsWarper (nucleus sampling, Holtzman et al. 2019): keep the smallest set of most likely tokens
/// whose probability reaches top_p, and at least one token; every other logit becomes -inf.
/// </summary>
/// <remarks>
/// transformers sorts ascending and removes a token when the cumulative probability up to and including it
/// is &lt;= 1 - top_p. Read from the top, that is: a token is kept when the probability of the tokens ranked
/// above it is still &lt; top_p, which is what is computed here (in double, from the float32 logits).
/// <para>Ties: torch.sort is not stable (on CPU beyond 16 elements), so transformers' choice among tokens
/// tied at the boundary is arbitrary. Here the lower id ranks higher, the same rule as greedy's argmax.</para>
/// <para>Speed: only tokens above a probability cutoff are sorted, and the cutoff is lowered until they
/// hold top_p of the mass. Every token below the cutoff is less likely than every token above it, so the
/// sorted head is the head of the full ranking: a peaked distribution sorts a handful of tokens, a flat
/// one all of them.</para>
/// </remarks>
internal static class TopPFilter
{
    /// <summary>Cutoffs on exp(logit - max logit), tried in turn; 0 admits every token that has any mass.</summary>
    private static readonly double[] Cutoffs = [1e-4, 1e-8, 0];

    private const double KeptMark = -1; // a weight no real token has: marks the kept ids in the weight buffer

    public static void Apply(Span<float> logits, double topP)
    {
        if (topP >= 1.0)
            return;
        float max = float.NegativeInfinity;
        foreach (float v in logits)
            max = Math.Max(max, v);
        if (float.IsNegativeInfinity(max))
            return; // nothing has mass: nothing to choose between

        double[] weights = ArrayPool<double>.Shared.Rent(logits.Length);
        ulong[] ranks = ArrayPool<ulong>.Shared.Rent(logits.Length);
        try
        {
            double total = 0;
            for (int i = 0; i < logits.Length; i++) // unnormalised: the top token weighs 1; skip exp of filtered ones
                total += weights[i] = float.IsNegativeInfinity(logits[i]) ? 0 : Math.Exp((double)logits[i] - max);
            double target = topP * total;

            int candidates = 0;
            foreach (double cutoff in Cutoffs)
            {
                candidates = 0;
                double mass = 0;
                for (int i = 0; i < logits.Length; i++)
                {
                    if (weights[i] > 0 && weights[i] >= cutoff)
                    {
                        ranks[candidates++] = RankKey(logits[i], i);
                        mass += weights[i];
                    }
                }
                if (mass >= target)
                    break;
            }
            Array.Sort(ranks, 0, candidates);

            double above = 0; // mass of the tokens ranked above the next one
            for (int j = 0; j < candidates && (j == 0 || above < target); j++)
            {
                int id = IdOf(ranks[j]);
                above += weights[id];
                weights[id] = KeptMark;
            }
            for (int i = 0; i < logits.Length; i++)
            {
                if (weights[i] != KeptMark)
                    logits[i] = float.NegativeInfinity;
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(weights);
            ArrayPool<ulong>.Shared.Return(ranks);
        }
    }

    /// <summary>
    /// Sorting the keys ascending ranks by logit descending, then by id ascending. The float's bits are
    /// mapped to an unsigned integer of the same order (flip all bits of negatives, the sign bit of the rest).
    /// </summary>
    private static ulong RankKey(float logit, int id)
    {
        uint bits = BitConverter.SingleToUInt32Bits(logit == 0 ? 0f : logit); // -0 and +0 are one logit
        uint ascending = (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000;
        return ((ulong)~ascending << 32) | (uint)id;
    }

    private static int IdOf(ulong rankKey) => (int)(uint)rankKey;
}
