using Microsoft.Extensions.DependencyInjection;
using Mixtral.Cluster.Contracts.Coordinator;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Experts;
using Mixtral.Cluster.Grains.Placement;

namespace Mixtral.Cluster.Grains.Coordinator;

/// <summary>Live rebalancing lives with the coordinator: the switch must happen between two of its engine's steps. So does
/// the per-node view of its expert calls, for the dashboard.</summary>
public sealed partial class CoordinatorGrain : IPlanChangeGrain, INodeLatencyGrain
{
    private NodeLatencyWindow? _nodeLatency;

    public Task<NodeCallLatency[]> GetNodeCallLatencyAsync() => Task.FromResult(_nodeLatency!.Snapshot());

    public async Task<PlanChangeReport> ApplyAsync(string planJson, string source)
    {
        PlacementPlan next;
        try
        {
            next = PlacementPlan.FromJson(planJson, source);
        }
        catch (PlacementPlanException e)
        {
            throw new PlanChangeRejectedException(e.Message); // the contract's exception: the client can read it
        }
        return await ServiceProvider.GetRequiredService<LivePlanChange>().ApplyAsync(next, source, _engine!, _experts!);
    }

    public Task<ServingPlan> GetServingPlanAsync()
    {
        var serving = ServiceProvider.GetRequiredService<LivePlan>().Current;
        return Task.FromResult(new ServingPlan(serving.Generation, serving.Plan.ToJson()));
    }

    /// <summary>The plan (and generation) the experts are called by now.</summary>
    private PlanEpoch ServingPlan() => ServiceProvider.GetRequiredService<LivePlan>().Current;

    /// <summary>A coordinator activated after a live change routes by the plan being served, not the start plan; the
    /// per-node latency reader listens from activation on.</summary>
    private void FollowLivePlan()
    {
        _nodeLatency = new NodeLatencyWindow(_metrics!);
        var serving = ServiceProvider.GetRequiredService<LivePlan>().Current;
        if (serving.Generation > 0) _experts!.SwitchPlan(serving.Generation, serving.Plan);
    }
}
