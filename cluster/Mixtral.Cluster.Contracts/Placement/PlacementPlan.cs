using System.Text.Json;
using Mixtral.Cluster.Contracts.Experts;

namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// Which node(s) own each (layer, expert) of one model: data, produced by a strategy, checked at start-up,
/// looked up by the placement director. JSON form (snake_case, see <see cref="PlacementJson"/>):
/// <c>{"model": {...}, "strategy": "round-robin", "nodes": [{"name", "role", "memory_budget_bytes", "device"}],
/// "experts": [{"layer": 0, "expert": 0, "nodes": ["a"]}, ...]}</c>. More than one node for an expert = replicas,
/// replica r living on nodes[r].
/// </summary>
public sealed record PlacementPlan(
    ModelIdentity Model,
    string Strategy,
    IReadOnlyList<NodeCapacity> Nodes,
    IReadOnlyList<ExpertAssignment> Experts)
{
    /// <summary>The owners of one expert in replica order; empty when the plan leaves it unowned.</summary>
    public IReadOnlyList<string> OwnersOf(int layer, int expert) =>
        Experts.FirstOrDefault(a => a.Layer == layer && a.Expert == expert)?.Nodes ?? [];

    /// <summary>Every expert copy a node hosts, as grain keys (replica = the node's position among the owners).</summary>
    public IEnumerable<ExpertKey> ExpertsOn(string node) =>
        from a in Experts
        let replica = IndexOf(a.Nodes, node)
        where replica >= 0
        orderby a.Layer, a.Expert
        select new ExpertKey(a.Layer, a.Expert, replica);

    public NodeCapacity? FindNode(string name) => Nodes.FirstOrDefault(n => n.Name == name);

    public string ToJson() => JsonSerializer.Serialize(this, PlacementJson.Options) + "\n";

    /// <summary>Parses a plan; a malformed one throws <see cref="PlacementPlanException"/> naming <paramref name="source"/> and the field.</summary>
    public static PlacementPlan FromJson(string json, string source = "plan.json")
    {
        try
        {
            var plan = JsonSerializer.Deserialize<PlacementPlan>(json, PlacementJson.Options)
                       ?? throw new PlacementPlanException($"{source}: the plan is null");
            PlanStructureCheck.Check(plan, source);
            return plan;
        }
        catch (JsonException e)
        {
            throw new PlacementPlanException($"{source}: not a placement plan ({e.Message})", e);
        }
    }

    public static PlacementPlan Load(string path)
    {
        if (!File.Exists(path)) throw new PlacementPlanException($"{path}: placement plan not found");
        try
        {
            // Strict: File.ReadAllText would turn a damaged byte in a node name into U+FFFD and name another node.
            return FromJson(StrictUtf8.GetString(File.ReadAllBytes(path)), path);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw new PlacementPlanException($"{path}: not valid UTF-8 ({e.Message})", e);
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static int IndexOf(IReadOnlyList<string> nodes, string node)
    {
        for (int i = 0; i < nodes.Count; i++)
            if (nodes[i] == node) return i;
        return -1;
    }
}
