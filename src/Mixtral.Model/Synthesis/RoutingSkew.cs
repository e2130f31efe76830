namespace Mixtral.Model.Synthesis;

/// <summary>
/// How skewed the routing of a synthetic model is (<c>mixtral synth --routing-skew S --layer-affinity A</c>). Random
/// routers route almost uniformly, which hides everything placement does; real Mixtral's routing is skewed.
/// <para><see cref="Strength"/> S: each layer ranks its experts in a random order and biases the router logit of
/// rank r (1-based) by −S·β·ln r, β being the Gumbel scale that matches the logits' own spread, so the top-k choice
/// is close to drawing k experts without replacement with P(rank r) ∝ r^−S (Zipf-like). 0 = the unbiased router;
/// 0.3–0.6 is Mixtral-like, ≥ 1 a stress test.</para>
/// <para><see cref="LayerAffinity"/> A in [0, 1): layer l+1's router row for expert σ_l(e) is mixed as
/// √(1−A²)·fresh + A·(layer l's row for e), σ_l a random map, so a token that chose e at layer l leans to σ_l(e) at
/// l+1 (ExFlow's inter-layer affinity). 0 = independent layers.</para>
/// </summary>
public sealed record RoutingSkew(double Strength, double LayerAffinity)
{
    public static RoutingSkew None { get; } = new(0, 0);

    public bool IsNone => Strength == 0 && LayerAffinity == 0;

    /// <summary>Throws naming the flag when a value is out of range.</summary>
    public void Validate()
    {
        if (!(Strength >= 0) || Strength > 4)
            throw new ArgumentException($"--routing-skew must be in 0..4 (a Zipf exponent), got {Strength}");
        if (!(LayerAffinity >= 0) || LayerAffinity >= 1)
            throw new ArgumentException($"--layer-affinity must be in [0, 1), got {LayerAffinity}");
    }
}
