namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// System.Text.Json checks the nullability of a plan's properties but not of its lists' items, so a plan file with
/// <c>"nodes": [null]</c> or <c>"nodes": ["a", null]</c> in an expert would reach the validator and fail there with a
/// null reference. Checked once, right after parsing, naming the JSON path.
/// </summary>
internal static class PlanNullCheck
{
    public static void Check(PlacementPlan plan, string source)
    {
        for (int i = 0; i < plan.Nodes.Count; i++)
            if (plan.Nodes[i] is null) throw Null(source, $"$.nodes[{i}]");
        for (int i = 0; i < plan.Experts.Count; i++)
        {
            var assignment = plan.Experts[i] ?? throw Null(source, $"$.experts[{i}]");
            for (int j = 0; j < assignment.Nodes.Count; j++)
                if (assignment.Nodes[j] is null) throw Null(source, $"$.experts[{i}].nodes[{j}]");
        }
    }

    private static PlacementPlanException Null(string source, string path) =>
        new($"{source}: not a placement plan ({path} is null)");
}
