using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Grains.Placement;
using Mixtral.Cluster.Grains.Wire;
using Mixtral.Model.Experts;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Cluster.Grains.Experts;

/// <summary>
/// Expert E of layer L (one replica), on the node the plan names. Loads exactly its three tensors on
/// activation and runs SwiGLU over each batch of rows the coordinator sends: the model library's own
/// <see cref="ExpertWeights"/>, so the cluster computes what the single-process engine computes.
/// </summary>
[ExpertPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ExpertGrain(NodeWeightStore store, NodeSettings settings, LivePlan plans, FallbackPlacement fallback, ILogger<ExpertGrain> logger) : Grain, IExpertGrain
{
    private ExpertKey _key;
    private ExpertWeights? _weights;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _key = ExpertKey.Parse(this.GetPrimaryKeyString());
        if (_key.Generation < plans.Current.Generation) // a late call (e.g. a health check begun before a live change) must not bring a retired copy back
            throw new InvalidOperationException($"expert {_key} belongs to plan generation {_key.Generation}, superseded by {plans.Current.Generation} on node \"{settings.NodeName}\"");
        var owners = plans.PlanOf(_key.Generation).OwnersOf(_key.Layer, _key.Expert);
        if (_key.Replica >= owners.Count)
            throw new InvalidOperationException($"expert {_key} was activated on node \"{settings.NodeName}\" but the plan gives it to no node");
        // Not on its plan node: a stand-in, unless this node sees the owner back. Orleans re-creates an activation where
        // the directory last had it when calls arrive just as a stand-in leaves, so without this refusal a stand-in
        // would come straight back and its owner never get its expert back. The call fails (transient: the caller's
        // retry places it afresh, on the owner) and a placing silo whose view lags catches up within a second.
        string owner = owners[_key.Replica];
        if (owner != settings.NodeName)
        {
            if (fallback.IsActive(owner))
                throw new InvalidOperationException($"expert {_key} belongs on node \"{owner}\", which is an active member again: node \"{settings.NodeName}\" no longer stands in for it");
            StandIn(owner);
        }
        _weights = store.LoadExpert(_key);
        LogActivated(_key, settings.NodeName);
        return Task.CompletedTask;
    }

    /// <summary>
    /// This activation stands in for a plan owner that is gone (<see cref="FallbackPlacement"/>): it checks this node's
    /// budget, then watches membership and leaves once the owner is back, so the next call activates the expert on the
    /// plan's node again (the plan restored without a restart of anything).
    /// </summary>
    private void StandIn(string owner)
    {
        fallback.CheckRoom($"expert {_key}", coordinator: false);
        LogStandIn(_key, settings.NodeName, owner);
        this.RegisterGrainTimer(_ =>
        {
            if (fallback.IsActive(owner))
            {
                LogOwnerBack(_key, owner);
                this.DeactivateOnIdle();
            }
            return Task.CompletedTask;
        }, OwnerCheckPeriod, OwnerCheckPeriod);
    }

    /// <summary>How often a stand-in looks for its owner: membership is local, so this costs nothing.</summary>
    private static readonly TimeSpan OwnerCheckPeriod = TimeSpan.FromMilliseconds(500);

    public Task<HiddenStateBatch> RunAsync(HiddenStateBatch rows)
    {
        if (rows is null) throw new WireFormatException($"expert {_key}: the call carried no hidden-state batch (null)");
        int hidden = store.Config.HiddenSize;
        if (rows.HiddenSize != hidden)
            throw new WireFormatException($"expert {_key}: rows have hidden size {rows.HiddenSize}, this model's is {hidden}");
        rows.Validate(); // header against payload, before the empty shortcut echoes a malformed batch back
        if (rows.Rows == 0) return Task.FromResult(rows);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var input = TensorWire.FromWire(rows, settings.Compute.Device, settings.Compute.DType); // [n, D]
        using var output = _weights!.Forward(input); // [n, D]
        var answer = TensorWire.ToWire(output, rows.DType);
        var computed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        if (settings.EmulatedDevice is { } device) return OnEmulatedDeviceAsync(device, answer, rows.Rows, started, computed);
        store.RecordCompute(computed);
        return Task.FromResult(answer);
    }

    /// <summary>The answer once the node's emulated device would have finished the call (placement experiments);
    /// the node's compute counter then counts the device's busy time, what a real node of that kind would spend.</summary>
    private async Task<HiddenStateBatch> OnEmulatedDeviceAsync(ExpertDeviceEmulation device, HiddenStateBatch answer, int rows, long started, TimeSpan computed)
    {
        var busy = await device.OccupyAsync(rows, started);
        store.RecordCompute(busy > computed ? busy : computed);
        return answer;
    }

    public Task<HiddenStateBatch> ProbeAsync(HiddenStateBatch rows) => Task.FromResult(rows);

    public Task RetireAsync()
    {
        DeactivateOnIdle(); // OnDeactivateAsync frees the weights (unless a newer copy on this node shares them)
        return Task.CompletedTask;
    }

    public Task<ExpertResidency> DescribeAsync() =>
        Task.FromResult(new ExpertResidency(settings.NodeName, _key, _weights?.ResidentBytes ?? 0, 3));

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        store.ReleaseExpert(_key);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "expert {Expert} taken over by {Node}: its plan node {Owner} is not an active member")]
    private partial void LogStandIn(ExpertKey expert, string node, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "expert {Expert} goes home: its plan node {Owner} is back")]
    private partial void LogOwnerBack(ExpertKey expert, string owner);

    [LoggerMessage(Level = LogLevel.Debug, Message = "expert {Expert} active on {Node}")]
    private partial void LogActivated(ExpertKey expert, string node);
}
