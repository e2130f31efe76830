using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Cluster.Placement.Sizing;

namespace Mixtral.PlacementSim;

/// <summary>One cell of the grid: which trace, how many nodes of what kind, which link, dtype and batch.</summary>
internal sealed record Scenario(string Trace, string Hardware, int Nodes, double WeightGbPerNode, NodeModel Node, LinkModel Link, WeightDType DType, int Batch, double ReplicaBudgetGb)
{
    public string Label => $"{Hardware}, {Link.Name}, {DType.ShortName()}, batch {Batch}";
}

/// <summary>What every strategy gave in one scenario.</summary>
internal sealed record ScenarioResults(Scenario Scenario, IReadOnlyList<SimulationResult> Results)
{
    public SimulationResult Of(string strategy) => Results.First(r => r.Strategy == strategy);

    public SimulationResult Best => Results.MaxBy(r => r.TokensPerSecond)!;
}
