namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// Live rebalancing, answered by the coordinator (key 0; the same activation as the coordinator grain): applies a new
/// placement plan to the running cluster without stopping it. Warm (every copy of the new plan is activated on its
/// owner and loads its weights, beside the old plan's copies), switch (the coordinator swaps its routing between two
/// decode steps, so no step mixes plans), retire (the old plan's copies are deactivated and their memory freed).
/// </summary>
[Alias("Mixtral.IPlanChangeGrain")]
public interface IPlanChangeGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Checks <paramref name="planJson"/> against the model and the running nodes (every problem at once, as a
    /// <see cref="PlacementPlanException"/> naming <paramref name="source"/>), then warms, switches and retires.
    /// One change at a time; a second waits for the first.
    /// </summary>
    [Alias("Apply")]
    Task<PlanChangeReport> ApplyAsync(string planJson, string source);

    /// <summary>The plan the coordinator routes by now, as JSON, and its generation.</summary>
    [Alias("Current")]
    Task<ServingPlan> GetServingPlanAsync();
}

/// <summary>The plan being served: its generation (0 = the plan the cluster started with) and its JSON.</summary>
[GenerateSerializer, Immutable, Alias("Mixtral.ServingPlan")]
public sealed record ServingPlan([property: Id(0)] int Generation, [property: Id(1)] string PlanJson);

/// <summary>
/// What one live plan change did and how long each phase took. <see cref="SwitchWaitMs"/> is the wait for the step in
/// progress to finish (requests keep decoding meanwhile); <see cref="SwitchStallMs"/> is the time no step could run (the
/// swap itself).
/// </summary>
[GenerateSerializer, Immutable, Alias("Mixtral.PlanChangeReport")]
public sealed record PlanChangeReport(
    [property: Id(0)] int Generation,
    [property: Id(1)] int CopiesWarmed,
    [property: Id(2)] int CopiesMoved,
    [property: Id(3)] int CopiesRetired,
    [property: Id(4)] double WarmMs,
    [property: Id(5)] double SwitchWaitMs,
    [property: Id(6)] double SwitchStallMs,
    [property: Id(7)] double RetireMs,
    [property: Id(8)] string[] Nodes);
