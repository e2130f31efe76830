using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;

namespace Mixtral.Cluster.Placement.Tests.Planning;

internal static class Shapes
{
    public const long ExpertBytes = 1_000_000;
    public const long SharedBytes = 3_000_000;

    public static ModelShape Model(int layers, int experts, int k = 2) =>
        new(new ModelIdentity("test", layers, experts), layers, experts, k, ExpertBytes, SharedBytes);

    /// <summary>n expert hosts, the first also the coordinator; budget in expert copies per node (null = none).</summary>
    public static NodeCapacity[] Nodes(int n, int? copiesEach = null) =>
        Enumerable.Range(0, n).Select(i => new NodeCapacity($"n{i}", i == 0 ? NodeRole.All : NodeRole.Experts,
            copiesEach is int c ? c * ExpertBytes + (i == 0 ? SharedBytes : 0) : null)).ToArray();
}
