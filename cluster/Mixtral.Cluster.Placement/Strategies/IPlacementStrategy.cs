using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Strategies;

/// <summary>A pure function from (model, nodes) to a plan: no cluster, no I/O, the same plan every time.</summary>
public interface IPlacementStrategy
{
    /// <summary>The name used on the command line and recorded in the plan (e.g. "round-robin").</summary>
    string Name { get; }

    PlacementPlan Place(MixtralConfig config, IReadOnlyList<NodeCapacity> nodes);

    /// <summary>The same plan from the model's shape as plain numbers.</summary>
    PlacementPlan Place(ModelIdentity model, int layers, int experts, IReadOnlyList<NodeCapacity> nodes);
}
