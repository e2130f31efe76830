using Mixtral.Model.Config;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Cluster.Placement.Sizing;

namespace Mixtral.PlacementSim;

/// <summary>One cell of the grid: which trace, how many nodes of what kind, which link, dtype and batch.</summary>
internal sealed record Scenario(string Trace, string Hardware, IReadOnlyList<(NodeModel Model, double WeightGb)> Nodes, LinkModel Link, Precision DType, int Batch, double ReplicaBudgetGb, bool CallsPerNode = false)
{
    public string Label => $"{Hardware}, {Link.Name}, {DType.ShortName()}, batch {Batch}{(CallsPerNode ? ", calls per node" : "")}";

    public static IReadOnlyList<(NodeModel, double)> Same(int count, NodeModel model, double weightGb) =>
        Enumerable.Repeat((model, weightGb), count).ToArray();
}

/// <summary>What every strategy gave in one scenario.</summary>
internal sealed record ScenarioResults(Scenario Scenario, IReadOnlyList<SimulationResult> Results)
{
    public SimulationResult Of(string strategy) => Results.First(r => r.Strategy == strategy);

    public SimulationResult Best => Results.MaxBy(r => r.TokensPerSecond)!;
}
