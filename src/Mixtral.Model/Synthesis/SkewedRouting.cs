using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Synthesis;

// Legend: E experts, D hidden, V vocabulary.

/// <summary>
/// Reshapes the random weights of a synthetic checkpoint so that routing follows a <see cref="RoutingSkew"/>.
/// Mixtral's router has no bias, so a bias channel is made: hidden dimension 0 of the residual stream holds the same
/// value for every token (embedding column 0 = 1, nothing writes into it: row 0 of every o_proj and expert W2 is 0),
/// so after the MoE norm (whose weight 0 is set to 1) it is a near-constant input, and router column 0 turns it
/// into a per-expert logit bias. Every other weight keeps the plain recipe.
/// </summary>
internal sealed class SkewedRouting(MixtralConfig config, RoutingSkew skew, ulong seed) : IDisposable
{
    private const int BiasChannel = 0;
    // Router logits are ~N(0, gain²) (gain 4 in the recipe, inputs of unit RMS); a Gumbel of the same spread has
    // scale σ·√6/π. With Gumbel noise, top-k of (bias + noise) is exactly Plackett–Luce with weights exp(bias/β).
    private const double RouterGain = 4.0;
    private static readonly double GumbelScale = RouterGain * Math.Sqrt(6) / Math.PI;
    // The bias channel reaches layer l's router as c / RMS(residual) with c = 1, and the residual stream grows with
    // depth (each layer adds a vector of similar size), so the column is scaled by BiasGain·√(1 + ResidualGrowth·l).
    // Both measured on this recipe (32 layers, hidden 128, 1,040 random-id tokens): 1.6 makes layer 0's max/mean
    // expert load match the Zipf recipe (2.58 vs 2.52 at S = 1, 1.86 vs 1.88 at S = 0.6, 1.46 vs 1.41 at S = 0.3);
    // 0.4 keeps the deeper layers about as skewed as layer 0 instead of fading to the unbiased router's level.
    private const double BiasGain = 1.6;
    private const double ResidualGrowth = 0.4;

    private readonly Random _random = new(unchecked((int)(seed ^ (seed >> 32)) + 17));
    private Tensor? _previousRouter; // [E, D] f32, layer l-1's router before its bias column was set

    /// <summary>The tensor to write instead of <paramref name="weight"/> (f32, freshly drawn); may modify it in place.</summary>
    public Tensor Shape(string name, Tensor weight)
    {
        if (name == TensorNames.Embeddings)
        {
            weight[.., BiasChannel] = tensor(1.0f);
            return weight;
        }
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            if (name == TensorNames.OProj(l)) return ZeroRow(weight);
            if (name == TensorNames.PostAttentionNorm(l))
            {
                weight[BiasChannel] = tensor(1.0f);
                return weight;
            }
            if (name == TensorNames.Router(l)) return Router(l, weight);
        }
        if (name.EndsWith(".w2.weight", StringComparison.Ordinal) && name.Contains(".block_sparse_moe.experts.", StringComparison.Ordinal))
            return ZeroRow(weight);
        return weight;
    }

    private static Tensor ZeroRow(Tensor weight)
    {
        weight[BiasChannel] = tensor(0.0f);
        return weight;
    }

    private Tensor Router(int layer, Tensor weight) // [E, D]
    {
        int experts = config.NumLocalExperts;
        if (_previousRouter is { } previous && skew.LayerAffinity > 0)
        {
            int[] follower = Permutation(experts); // expert e of layer l-1 leans to follower[e] here
            double a = skew.LayerAffinity, fresh = Math.Sqrt(1 - a * a);
            using var mixed = weight.clone();
            for (int e = 0; e < experts; e++)
                mixed[follower[e]] = weight[follower[e]] * fresh + previous[e] * a;
            weight.copy_(mixed);
        }
        _previousRouter?.Dispose();
        _previousRouter = weight.clone();

        if (skew.Strength > 0)
        {
            int[] rankOf = Permutation(experts); // expert e has rank rankOf[e] (0 = hottest)
            var bias = new float[experts];
            for (int e = 0; e < experts; e++) bias[e] = (float)(-skew.Strength * GumbelScale * Math.Log(rankOf[e] + 1));
            float mean = bias.Average();
            double gain = BiasGain * Math.Sqrt(1 + ResidualGrowth * layer);
            weight[.., BiasChannel] = tensor(bias.Select(b => (float)((b - mean) * gain)).ToArray());
        }
        else
        {
            weight[.., BiasChannel] = tensor(0.0f); // the constant channel must not bias an unskewed router
        }
        return weight;
    }

    private int[] Permutation(int n)
    {
        int[] p = Enumerable.Range(0, n).ToArray();
        _random.Shuffle(p);
        return p;
    }

    public void Dispose() => _previousRouter?.Dispose();
}
