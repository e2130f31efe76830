using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Model.Config;

namespace Mixtral.Cluster.Placement.Sizing;

/// <summary>
/// The bytes every node of a plan will hold, in the plan's node order. Every node whose role includes the
/// coordinator keeps a full copy of the shared weights; each expert copy costs <see cref="ModelSizing.BytesPerExpert"/>.
/// </summary>
public sealed record PlanFootprint(PlacementPlan Plan, ModelSizing Sizing, IReadOnlyList<NodeFootprint> Nodes)
{
    public long TotalBytes => Nodes.Sum(n => n.TotalBytes);

    public static PlanFootprint Compute(PlacementPlan plan, MixtralConfig config, Precision dtype)
    {
        var sizing = new ModelSizing(config, dtype);
        long perExpert = sizing.BytesPerExpert;
        long shared = sizing.SharedBytes;
        var nodes = plan.Nodes
            .Select(node =>
            {
                var experts = plan.ExpertsOn(node.Name).ToArray();
                return new NodeFootprint(node, experts, experts.Length * perExpert, node.HostsSharedWeights ? shared : 0);
            })
            .ToArray();
        return new PlanFootprint(plan, sizing, nodes);
    }
}
