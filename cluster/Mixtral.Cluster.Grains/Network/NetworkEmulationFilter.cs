using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Wire;
using Mixtral.Cluster.Grains.Nodes;

namespace Mixtral.Cluster.Grains.Network;

/// <summary>
/// Delays this node's expert calls (<see cref="IExpertGrain"/> Run and Probe) by the emulated link to the node that
/// holds the called copy (the plan says which): the request's bytes before the call, the answer's after it. Calls to
/// copies on this node and every other grain call pass untouched; without a <see cref="NodeSettings.Network"/> it does nothing.
/// </summary>
public sealed class NetworkEmulationFilter(NodeSettings settings, Placement.LivePlan plans) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (settings.Network is not { } network || context.InterfaceMethod?.DeclaringType != typeof(IExpertGrain)
            || context.Request.GetArgumentCount() < 1 || context.Request.GetArgument(0) is not HiddenStateBatch request)
        {
            await context.Invoke();
            return;
        }
        var key = ExpertKey.Parse(context.TargetId.Key.ToString()!);
        var owners = plans.PlanOf(key.Generation).OwnersOf(key.Layer, key.Expert);
        string? node = key.Replica < owners.Count ? owners[key.Replica] : null;
        if (node is null || node == settings.NodeName)
        {
            await context.Invoke();
            return;
        }
        await network.TransferAsync(node, answer: false, request.Payload.Length);
        await context.Invoke();
        if (context.Result is HiddenStateBatch answer) await network.TransferAsync(node, answer: true, answer.Payload.Length);
    }
}
