namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>A placement plan that cannot be used: unreadable, for another model, or impossible on its nodes.</summary>
public sealed class PlacementPlanException : Exception
{
    public PlacementPlanException() { }
    public PlacementPlanException(string message) : base(message) { }
    public PlacementPlanException(string message, Exception inner) : base(message, inner) { }
}
