using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Nodes;

namespace Mixtral.Cluster.Grains.Placement;

/// <summary>This node's side of a live plan change: learns generations, follows the switch, retires superseded copies.</summary>
[NodePlacement]
public sealed class NodePlanGrain(LivePlan plans, NodeWeightStore store) : Grain, INodePlanGrain
{
    public Task AdoptAsync(int generation, string planJson)
    {
        plans.Adopt(generation, PlacementPlan.FromJson(planJson, $"plan generation {generation}"));
        return Task.CompletedTask;
    }

    public Task SwitchAsync(int generation)
    {
        plans.Switch(generation);
        return Task.CompletedTask;
    }

    public async Task<int> RetireAsync(int keep)
    {
        // The copies this node holds are the active ones (weights are loaded on activation), so retiring them activates nothing.
        ExpertKey[] superseded = [.. store.Account().Experts.Where(k => k.Generation != keep)];
        await Task.WhenAll(superseded.Select(k => GrainFactory.GetGrain<IExpertGrain>(k.ToString()).RetireAsync()));
        return superseded.Length;
    }

    public Task<int> GetGenerationAsync() => Task.FromResult(plans.Current.Generation);
}
