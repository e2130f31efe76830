namespace Mixtral.Cluster.Contracts.Placement;

/// <summary>
/// What no plan can mean, checked once right after parsing and named by JSON path: System.Text.Json checks the
/// nullability of a plan's properties but not of its lists' items, so <c>"nodes": ["a", null]</c> in an expert reached
/// the validator as a null reference; and a negative layer or expert cannot even be a grain key (the validator's
/// look-ups threw building one). Indices past the model are the validator's business: it knows the model.
/// </summary>
internal static class PlanStructureCheck
{
    public static void Check(PlacementPlan plan, string source)
    {
        for (int i = 0; i < plan.Nodes.Count; i++)
            if (plan.Nodes[i] is null) throw Null(source, $"$.nodes[{i}]");
        for (int i = 0; i < plan.Experts.Count; i++)
        {
            var assignment = plan.Experts[i] ?? throw Null(source, $"$.experts[{i}]");
            if (assignment.Layer < 0 || assignment.Expert < 0)
                throw new PlacementPlanException(
                    $"{source}: not a placement plan ($.experts[{i}] is layer {assignment.Layer}, expert {assignment.Expert}; both must be ≥ 0)");
            for (int j = 0; j < assignment.Nodes.Count; j++)
                if (assignment.Nodes[j] is null) throw Null(source, $"$.experts[{i}].nodes[{j}]");
        }
    }

    private static PlacementPlanException Null(string source, string path) =>
        new($"{source}: not a placement plan ({path} is null)");
}
