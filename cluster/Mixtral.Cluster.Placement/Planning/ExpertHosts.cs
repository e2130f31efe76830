using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cluster.Placement.Planning;

/// <summary>
/// The nodes that can host experts, with how many expert copies each has room for (its memory budget less the
/// shared weights when it is also the coordinator) and its relative speed. Checks the request once for every strategy.
/// </summary>
internal sealed class ExpertHosts
{
    private ExpertHosts(string[] names, int[] slots, double[] speeds)
    {
        Names = names;
        Slots = slots;
        Speeds = speeds;
    }

    public string[] Names { get; }
    public int[] Slots { get; } // copies each node can still take; int.MaxValue without a budget
    public double[] Speeds { get; }
    public int Count => Names.Length;

    public static ExpertHosts From(PlacementRequest request, string strategy)
    {
        var nodes = request.Nodes;
        string[] duplicates = nodes.GroupBy(n => n.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        if (duplicates.Length > 0)
            throw new PlacementPlanException($"{strategy}: node name(s) listed twice: {string.Join(", ", duplicates)}");
        var hosts = nodes.Where(n => n.HostsExperts).ToArray();
        if (hosts.Length == 0)
            throw new PlacementPlanException($"{strategy}: no node can host experts; give at least one node the role experts or all");
        var model = request.Model;
        int[] slots = hosts.Select(n => n.MemoryBudgetBytes is long budget
            ? (int)Math.Max(0, Math.Min(int.MaxValue, (budget - (n.HostsSharedWeights ? model.SharedBytes : 0)) / model.BytesPerExpert))
            : int.MaxValue).ToArray();
        long needed = (long)model.Layers * model.Experts;
        if (slots.Sum(s => (long)s) < needed)
            throw new PlacementPlanException(
                $"{strategy}: the nodes have room for {slots.Sum(s => (long)s)} expert copies, the model has {needed} experts " +
                $"({model.BytesPerExpert:N0} bytes each); give the nodes more memory or add nodes");
        double[] speeds = hosts.Select(n =>
        {
            if (request.NodeSpeeds is null) return 1.0;
            return request.NodeSpeeds.TryGetValue(n.Name, out double s) && s > 0 && double.IsFinite(s)
                ? s
                : throw new PlacementPlanException($"{strategy}: node \"{n.Name}\" has no positive speed in the node speeds");
        }).ToArray();
        if (request.NodeSpeeds?.Keys.FirstOrDefault(k => !hosts.Any(h => h.Name == k)) is string stray)
            throw new PlacementPlanException($"{strategy}: a speed is given for \"{stray}\", which is not an expert host");
        return new ExpertHosts(hosts.Select(n => n.Name).ToArray(), slots, speeds);
    }
}
