using Mixtral.Model.Config;
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
    private static string[] Header(string unit) => ["node", "role", "device", "experts held", "experts", $"expert {unit}", $"shared {unit}", $"total {unit}", $"budget {unit}", ""];
    private static readonly bool[] RightAligned = [false, false, false, false, true, true, true, true, true, false];

    public static string Render(PlanFootprint footprint)
    {
        var plan = footprint.Plan;
        // Small (demo, test) models read better in MB than as a column of 0.00 GB.
        bool mb = footprint.TotalBytes < ByteText.BytesPerGb;
        string unit = mb ? "MB" : "GB";
        Func<long, string> size = mb ? ByteText.Mb : ByteText.Gb;
        var rows = new List<string[]> { Header(unit) };
        foreach (var n in footprint.Nodes)
        {
            rows.Add([
                n.Node.Name,
                n.Node.Role.ToString().ToLowerInvariant(),
                n.Node.Device.ToString().ToLowerInvariant(),
                ExpertRangeText.Format(n.Experts),
                n.Experts.Count.ToString(CultureInfo.InvariantCulture),
                size(n.ExpertBytes),
                n.SharedBytes > 0 ? size(n.SharedBytes) : "-",
                size(n.TotalBytes),
                n.Node.MemoryBudgetBytes is long budget ? size(budget) : "-",
                n.OverBudget ? "OVER" : "",
            ]);
        }
        rows.Add([
            "total", "", "", "",
            footprint.Nodes.Sum(n => n.Experts.Count).ToString(CultureInfo.InvariantCulture),
            size(footprint.Nodes.Sum(n => n.ExpertBytes)),
            size(footprint.Nodes.Sum(n => n.SharedBytes)),
            size(footprint.TotalBytes),
            "", "",
        ]);

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Placement {plan.Strategy} on {plan.Nodes.Count} node(s): {plan.Model.NumHiddenLayers} layers × {plan.Model.NumLocalExperts} experts ")
            .Append(CultureInfo.InvariantCulture, $"(model {plan.Model.Fingerprint}), weights in {footprint.Sizing.DType.ShortName()}\n")
            .Append(CultureInfo.InvariantCulture,
                $"one expert: {size(footprint.Sizing.BytesPerExpert)} {unit} per layer, {size(footprint.Sizing.BytesPerExpertColumn)} {unit} over all layers; ")
            .Append(CultureInfo.InvariantCulture, $"shared weights (coordinator): {size(footprint.Sizing.SharedBytes)} {unit}\n\n");
        AppendAligned(text, rows);
        text.Append(CultureInfo.InvariantCulture, $"\n{unit} = 10^{(mb ? 6 : 9)} bytes. Budgets cover weights only; the coordinator's KV cache and activations come on top.\n");
        return text.ToString();
    }

    private static void AppendAligned(StringBuilder text, List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            var cells = row.Select((cell, c) => RightAligned[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
            text.Append(string.Join("  ", cells).TrimEnd()).Append('\n');
        }
    }
}
