namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// Bin packing of measured loads: in every layer, experts from the heaviest down each go to the host whose load in
/// that layer stays lowest (longest-processing-time first), one copy each. With uniform loads it spreads experts
/// like round-robin; with skewed loads it pairs hot experts with cold ones.
/// </summary>
public sealed class LoadBalancedStrategy : IPlanStrategy
{
    public string Name => "load-balanced";

    public string Description => "bin-pack measured expert loads so every layer's nodes carry equal load (needs --stats)";

    public Contracts.Placement.PlacementPlan Place(PlacementRequest request) => Pack(request, Name, requireStatistics: true, equalSpeeds: true);

    /// <summary>The packing shared with <see cref="CapacityWeightedStrategy"/>, which keeps the node speeds.</summary>
    internal static Contracts.Placement.PlacementPlan Pack(PlacementRequest request, string name, bool requireStatistics, bool equalSpeeds)
    {
        var hosts = ExpertHosts.From(equalSpeeds ? request with { NodeSpeeds = null } : request, name);
        var loads = LayerLoads.From(request, name, requireStatistics);
        var packer = new LoadPacker(hosts);
        var plan = new PlanBuilder(request.Model, request.Nodes, name);
        for (int l = 0; l < request.Model.Layers; l++)
        {
            var copies = loads[l].Select((load, e) => (e, request.CostOf(load))).ToArray();
            int[] hostOf = packer.PackLayer(copies, request.Model.Experts);
            for (int i = 0; i < copies.Length; i++) plan.Add(l, copies[i].e, hosts.Names[hostOf[i]], 1);
        }
        return plan.Build();
    }
}
