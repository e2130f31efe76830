using System.Collections.Concurrent;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Inference;
using Orleans.Runtime.Placement;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>
/// Failover without a replica: when the node the plan names for an expert (or the coordinator) is not an active member
/// of the cluster, the grain is activated on a surviving node instead. Every node has the checkpoint, so any node can
/// load any expert; the choice is by free memory: a standby node (started with --standby, in no plan, holding nothing)
/// first, then the expert nodes with the most free budget (the plan's budget less what the plan and earlier fallbacks
/// put there), coordinator-only nodes last. The activation itself checks the chosen node's real budget
/// (<see cref="NodeWeightStore"/>), and a fallback activation leaves as soon as the plan's node is back
/// (<see cref="Experts.ExpertGrain"/>), so the plan is restored by the next call.
/// </summary>
public sealed class FallbackPlacement(NodeSettings settings, NodeWeightStore store, IClusterMembershipService membership, NodeSiloLocator locator)
{
    /// <summary>Fallback activations this silo's directors placed: grain key → node (later ones for the same key overwrite).</summary>
    private readonly ConcurrentDictionary<string, string> _placed = new(StringComparer.Ordinal);

    private ModelSizing Sizing => new(store.Config, ExpertWeightFormats.SizingPrecision(settings.Compute), ModelOptions.PrecisionOf(settings.Compute.DType));

    public bool IsActive(string node) => locator.IsActive(node);

    /// <summary>The surviving node for <paramref name="key"/>, whose plan owner <paramref name="owner"/> is gone.</summary>
    public SiloAddress ForExpert(ExpertKey key, string owner, PlacementTarget target, IPlacementContext context) =>
        Choose(key.ToString(), Sizing.BytesPerExpert, forCoordinator: false, target, context,
            $"expert {key} belongs on node \"{owner}\", which is not an active member of the cluster");

    /// <summary>The surviving node for the coordinator when none of the plan's coordinator nodes is active.</summary>
    public SiloAddress ForCoordinator(PlacementTarget target, IPlacementContext context) =>
        Choose("coordinator", Sizing.SharedBytes, forCoordinator: true, target, context,
            $"the coordinator belongs on node \"{settings.Plan.Nodes.FirstOrDefault(n => n.HostsSharedWeights)?.Name}\", which is not an active member of the cluster");

    private SiloAddress Choose(string grain, long bytes, bool forCoordinator, PlacementTarget target, IPlacementContext context, string why)
    {
        var compatible = context.GetCompatibleSilos(target).ToHashSet();
        var candidates = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && compatible.Contains(m.SiloAddress))
            .Select(m => (m.SiloAddress, m.Name, Rank: Rank(m.Name, bytes, forCoordinator)))
            .Where(c => c.Rank.Free >= bytes)
            .OrderBy(c => c.Rank.Tier).ThenByDescending(c => c.Rank.Free).ThenBy(c => c.Rank.Held).ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        if (candidates.Count == 0)
        {
            var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Order();
            throw new OrleansException($"{why}, and no active node has {bytes:N0} bytes free for it (active nodes: {string.Join(", ", active)})");
        }
        var chosen = candidates[0];
        _placed[grain] = chosen.Name;
        return chosen.SiloAddress;
    }

    /// <summary>On the chosen node, before loading: refuses to take over <paramref name="what"/> past this node's own budget.</summary>
    public void CheckRoom(string what, bool coordinator)
    {
        if (settings.MemoryBudgetBytes is not long budget) return;
        var held = store.Account();
        long need = coordinator ? Sizing.SharedBytes : Sizing.BytesPerExpert;
        if (held.ExpertBytes + held.SharedBytes + need > budget)
            throw new InvalidOperationException(
                $"{what} cannot take over on node \"{settings.NodeName}\": it holds {held.ExpertBytes + held.SharedBytes:N0} bytes of weights, needs {need:N0} more, budget {budget:N0}");
    }

    /// <summary>Tier (lower first), free bytes by the plan's budget (unbounded without one), and grains held (fewer first).</summary>
    private (int Tier, long Free, int Held) Rank(string node, long bytes, bool forCoordinator)
    {
        var planned = settings.Plan.FindNode(node);
        int fallbacks = _placed.Values.Count(n => n == node);
        if (planned is null) return (forCoordinator ? 1 : 0, long.MaxValue - fallbacks * bytes, fallbacks); // a standby node
        var sizing = Sizing;
        int experts = settings.Plan.ExpertsOn(node).Count();
        long used = experts * sizing.BytesPerExpert + (planned.HostsSharedWeights ? sizing.SharedBytes : 0) + fallbacks * bytes;
        long free = planned.MemoryBudgetBytes is long budget ? budget - used : long.MaxValue - used;
        int tier = forCoordinator
            ? planned.HostsSharedWeights ? 0 : 2
            : planned.HostsExperts ? 1 : 2;
        return (tier, free, experts + fallbacks);
    }
}
