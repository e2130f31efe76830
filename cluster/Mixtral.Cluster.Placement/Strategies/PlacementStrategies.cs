using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Strategies;

/// <summary>The strategies a user can name (<c>mixtral plan --strategy S</c>).</summary>
public static class PlacementStrategies
{
    public static IReadOnlyList<IPlacementStrategy> All { get; } = [new RoundRobinStrategy(), new ContiguousStrategy()];

    public static IPlacementStrategy Get(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new PlacementPlanException(
            $"unknown placement strategy \"{name}\"; known: {string.Join(", ", All.Select(s => s.Name))}");
}
