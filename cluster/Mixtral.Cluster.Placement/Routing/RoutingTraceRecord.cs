namespace Mixtral.Cluster.Placement.Routing;

/// <summary>
/// The routing of one token at one layer: the experts it chose in descending weight order, with their renormalised
/// weights. One line of a routing trace (<c>mixtral trace-routing</c>):
/// <c>{"prompt": 0, "position": 0, "layer": 0, "experts": [5, 2], "weights": [0.61, 0.39]}</c>.
/// </summary>
public sealed record RoutingTraceRecord(int Prompt, int Position, int Layer, IReadOnlyList<int> Experts, IReadOnlyList<float> Weights);
