using System.Collections.Immutable;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Nodes;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>One plan generation: generation 0 is the plan the node started with (<see cref="NodeSettings.Plan"/>).</summary>
public sealed record PlanEpoch(int Generation, PlacementPlan Plan);

/// <summary>
/// This node's view of the cluster's plans across live changes (one per silo). An expert copy's key names its generation,
/// so placement and activation look up the plan of that generation (<see cref="PlanOf"/>): the old and the new plan's
/// copies coexist while the new ones warm. <see cref="Current"/> is the plan being served, for whatever follows it
/// (routing statistics, health checks). Plans are never forgotten: a superseded copy may still be placed while it retires.
/// </summary>
public sealed class LivePlan(NodeSettings settings)
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<int, PlacementPlan> _plans = ImmutableDictionary<int, PlacementPlan>.Empty.Add(0, settings.Plan);
    private PlanEpoch _current = new(0, settings.Plan);

    public PlanEpoch Current => Volatile.Read(ref _current);

    public PlacementPlan PlanOf(int generation) =>
        Volatile.Read(ref _plans).TryGetValue(generation, out var plan)
            ? plan
            : throw new OrleansException(
                $"plan generation {generation} is unknown on node \"{settings.NodeName}\" (it knows {string.Join(", ", _plans.Keys.Order())}); " +
                "a node started after a live plan change knows only the plan it was started with: start it with the current plan file");

    /// <summary>Registers a new generation; adopting the same generation again is harmless, a different plan under it is refused.</summary>
    public void Adopt(int generation, PlacementPlan plan)
    {
        lock (_gate)
        {
            if (_plans.TryGetValue(generation, out var known))
            {
                if (known.ToJson() != plan.ToJson())
                    throw new InvalidOperationException($"node \"{settings.NodeName}\" already holds a different plan for generation {generation}");
                return;
            }
            Volatile.Write(ref _plans, _plans.Add(generation, plan));
        }
    }

    /// <summary>Serves <paramref name="generation"/> from now on (never goes back to an older one).</summary>
    public PlanEpoch Switch(int generation)
    {
        lock (_gate)
        {
            var epoch = new PlanEpoch(generation, PlanOf(generation));
            if (generation > _current.Generation) Volatile.Write(ref _current, epoch);
            return _current;
        }
    }
}
