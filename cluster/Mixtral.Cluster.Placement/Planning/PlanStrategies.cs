using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>Every strategy a user can name (<c>mixtral plan --strategy S</c>), as functions of a <see cref="PlacementRequest"/>.</summary>
public static class PlanStrategies
{
    public static IReadOnlyList<IPlanStrategy> All { get; } =
    [
        new GridPlanStrategy(new Strategies.RoundRobinStrategy(), "expert e of every layer on host e mod N"),
        new GridPlanStrategy(new Strategies.ContiguousStrategy(), "host i gets experts [i·E/N, (i+1)·E/N) of every layer"),
        new LoadBalancedStrategy(),
        new ReplicatedStrategy(),
        AffinityStrategy.LayerAffinity,
        AffinityStrategy.PairAffinity,
        new CapacityWeightedStrategy(),
    ];

    public static IPlanStrategy Get(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new PlacementPlanException($"unknown placement strategy \"{name}\"; known: {string.Join(", ", All.Select(s => s.Name))}");
}
