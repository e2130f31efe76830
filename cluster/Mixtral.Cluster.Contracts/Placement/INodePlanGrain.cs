namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// One per node (keyed by the node's name, placed on that node): the node's side of a live plan change. Every node
/// learns a new plan generation before any of its expert copies is placed (placement and activation look the plan up
/// on the node that does them), follows the switch, and retires the copies of superseded generations.
/// </summary>
[Alias("Mixtral.INodePlanGrain")]
public interface INodePlanGrain : IGrainWithStringKey
{
    /// <summary>Registers plan <paramref name="generation"/> (the plan's JSON) on this node; routing does not change yet.</summary>
    [Alias("Adopt")]
    Task AdoptAsync(int generation, string planJson);

    /// <summary>Makes <paramref name="generation"/> this node's serving plan (statistics, health checks, dashboards follow it).</summary>
    [Alias("Switch")]
    Task SwitchAsync(int generation);

    /// <summary>Deactivates every expert copy this node holds for a generation other than <paramref name="keep"/>; returns how many.</summary>
    [Alias("Retire")]
    Task<int> RetireAsync(int keep);

    /// <summary>The generation this node serves.</summary>
    [Alias("Generation")]
    Task<int> GetGenerationAsync();
}
