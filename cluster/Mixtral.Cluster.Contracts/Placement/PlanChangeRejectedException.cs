namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>A live plan change refused before anything changed (the plan does not fit the model or the running nodes), or
/// abandoned while warming (the old plan keeps serving); the message lists every problem.</summary>
[GenerateSerializer, Alias("Mixtral.PlanChangeRejectedException")]
public sealed class PlanChangeRejectedException : Exception
{
    public PlanChangeRejectedException() { }
    public PlanChangeRejectedException(string message) : base(message) { }
    public PlanChangeRejectedException(string message, Exception inner) : base(message, inner) { }
}
