using Mixtral.Cluster.Contracts.Statistics;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Placement.Routing;
using Orleans.Streams;

namespace Mixtral.Cluster.Grains.Statistics;

/// <summary>
/// The cluster's routing statistics, fed by the routing stream (an implicit subscription: the first step published
/// activates it). Counts with the same <see cref="RoutingStatisticsBuilder"/> as `mixtral stats --trace`, so its
/// JSON is the one `mixtral plan --stats` reads; node loads come from the serving plan (<see cref="PlanLoads"/>).
/// In memory: a restart of its silo starts the counts afresh.
/// </summary>
[ImplicitStreamSubscription(RoutingStreamNames.Namespace)]
public sealed class RoutingStatisticsGrain(Placement.LivePlan plans, NodeWeightStore store) : Grain, IRoutingStatisticsGrain, IAsyncObserver<RoutingStepBatch>
{
    private RoutingStatisticsBuilder _builder = null!;
    private long _steps;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Reset();
        var stream = this.GetStreamProvider(RoutingStreamNames.Provider)
            .GetStream<RoutingStepBatch>(StreamId.Create(RoutingStreamNames.Namespace, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync(this);
    }

    public Task OnNextAsync(RoutingStepBatch item, StreamSequenceToken? token = null)
    {
        foreach (var step in item.Steps)
        {
            _builder.AddStep(step);
            _steps++;
        }
        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public Task<RoutingStatisticsSnapshot> GetAsync()
    {
        var stats = _builder.Build();
        var plan = plans.Current.Plan; // the serving plan, after live changes too
        var loads = stats.Tokens > 0 ? PlanLoads.Compute(plan, stats) : null;
        string[] nodes = loads?.Nodes ?? [.. plan.Nodes.Where(n => n.HostsExperts).Select(n => n.Name)];
        return Task.FromResult(new RoutingStatisticsSnapshot(_steps, stats.Tokens, stats.ToJson(), nodes, loads?.Total ?? new double[nodes.Length]));
    }

    public Task ResetAsync()
    {
        Reset();
        return Task.CompletedTask;
    }

    private void Reset()
    {
        var c = store.Config;
        _builder = new RoutingStatisticsBuilder(c.NumHiddenLayers, c.NumLocalExperts, c.NumExpertsPerTok);
        _steps = 0;
    }
}
