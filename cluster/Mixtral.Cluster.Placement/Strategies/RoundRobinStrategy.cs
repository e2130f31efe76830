using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Strategies;

/// <summary>
/// Expert e of every layer on expert host e mod N. Spreads the experts of each layer over all hosts, so a step's
/// fan-out reaches every node; every layer looks the same, so a node holds "the same experts" all the way down.
/// </summary>
public sealed class RoundRobinStrategy : IPlacementStrategy
{
    public string Name => "round-robin";

    public PlacementPlan Place(MixtralConfig config, IReadOnlyList<NodeCapacity> nodes) =>
        ExpertGrid.Fill(config, nodes, Name, (expert, hosts) => hosts[expert % hosts.Count]);

    public PlacementPlan Place(ModelIdentity model, int layers, int experts, IReadOnlyList<NodeCapacity> nodes) =>
        ExpertGrid.Fill(model, layers, experts, nodes, Name, (expert, hosts) => hosts[expert % hosts.Count]);
}
