namespace Mixtral.Model.Layers;

// Legend: N tokens, K experts per token.

/// <summary>The experts chosen for every token of a step, with their renormalised weights, in host memory: what the
/// CPU path of <see cref="MoeBlock"/> groups rows by without a round of LibTorch ops.</summary>
public sealed record HostRouting(int Tokens, int PerToken, int[] ExpertIds, float[] Weights); // [N·K] each, row-major
