using System.Globalization;
using System.Text;
using Mixtral.Cluster.Placement.Sizing;

namespace Mixtral.Cluster.Placement.Reporting;

/// <summary>
/// The per-node table of <c>mixtral plan</c>: experts held (compact ranges), expert, shared and total bytes in
/// GB, the budget, and "OVER" where a node does not fit. Plain text, aligned, no colour: it is pasted into issues.
/// </summary>
public static class PlanTable
{
    private static readonly string[] Header = ["node", "role", "device", "experts held", "experts", "expert GB", "shared GB", "total GB", "budget GB", ""];
    private static readonly bool[] RightAligned = [false, false, false, false, true, true, true, true, true, false];

    public static string Render(PlanFootprint footprint)
    {
        var plan = footprint.Plan;
        var rows = new List<string[]> { Header };
        foreach (var n in footprint.Nodes)
        {
            rows.Add([
                n.Node.Name,
                n.Node.Role.ToString().ToLowerInvariant(),
                n.Node.Device.ToString().ToLowerInvariant(),
                ExpertRangeText.Format(n.Experts),
                n.Experts.Count.ToString(CultureInfo.InvariantCulture),
                ByteText.Gb(n.ExpertBytes),
                n.SharedBytes > 0 ? ByteText.Gb(n.SharedBytes) : "-",
                ByteText.Gb(n.TotalBytes),
                n.Node.MemoryBudgetBytes is long budget ? ByteText.Gb(budget) : "-",
                n.OverBudget ? "OVER" : "",
            ]);
        }
        rows.Add([
            "total", "", "", "",
            footprint.Nodes.Sum(n => n.Experts.Count).ToString(CultureInfo.InvariantCulture),
            ByteText.Gb(footprint.Nodes.Sum(n => n.ExpertBytes)),
            ByteText.Gb(footprint.Nodes.Sum(n => n.SharedBytes)),
            ByteText.Gb(footprint.TotalBytes),
            "", "",
        ]);

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Placement {plan.Strategy} on {plan.Nodes.Count} node(s): {plan.Model.NumHiddenLayers} layers × {plan.Model.NumLocalExperts} experts ")
            .Append(CultureInfo.InvariantCulture, $"(model {plan.Model.Fingerprint}), weights in {footprint.Sizing.DType.ShortName()}\n")
            .Append(CultureInfo.InvariantCulture,
                $"one expert: {ByteText.Gb(footprint.Sizing.BytesPerExpert)} GB per layer, {ByteText.Gb(footprint.Sizing.BytesPerExpertColumn)} GB over all layers; ")
            .Append(CultureInfo.InvariantCulture, $"shared weights (coordinator): {ByteText.Gb(footprint.Sizing.SharedBytes)} GB\n\n");
        AppendAligned(text, rows);
        text.Append("\nGB = 10^9 bytes. Budgets cover weights only; the coordinator's KV cache and activations come on top.\n");
        return text.ToString();
    }

    private static void AppendAligned(StringBuilder text, List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, Header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, c) => RightAligned[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
            text.Append(string.Join("  ", cells).TrimEnd()).Append('\n');
        }
    }
}
