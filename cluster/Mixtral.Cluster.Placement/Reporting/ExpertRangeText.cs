using Mixtral.Cluster.Contracts.Experts;

namespace Mixtral.Cluster.Placement.Reporting;

/// <summary>
/// Renders a set of (layer, expert) compactly: consecutive layers holding the same experts merge into one
/// range, and runs of three or more consecutive experts collapse: "L0-31: E0,E3", "L0-15: E0-3; L16-31: E4-7".
/// Replica numbers are not shown (a node holds at most one copy of an expert).
/// </summary>
public static class ExpertRangeText
{
    public const string None = "-";

    public static string Format(IEnumerable<ExpertKey> experts)
    {
        var perLayer = experts
            .GroupBy(k => k.Layer)
            .OrderBy(g => g.Key)
            .Select(g => (Layer: g.Key, Experts: Runs(g.Select(k => k.Expert).Distinct().Order().ToList(), "E")))
            .ToList();
        if (perLayer.Count == 0) return None;

        var groups = new List<string>();
        int start = 0;
        for (int i = 1; i <= perLayer.Count; i++)
        {
            bool continues = i < perLayer.Count
                && perLayer[i].Layer == perLayer[i - 1].Layer + 1
                && perLayer[i].Experts == perLayer[start].Experts;
            if (continues) continue;
            string layers = start == i - 1 ? $"L{perLayer[start].Layer}" : $"L{perLayer[start].Layer}-{perLayer[i - 1].Layer}";
            groups.Add($"{layers}: {perLayer[start].Experts}");
            start = i;
        }
        return string.Join("; ", groups);
    }

    private static string Runs(List<int> sorted, string prefix)
    {
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            if (j - i >= 2) parts.Add($"{prefix}{sorted[i]}-{sorted[j]}");
            else for (int k = i; k <= j; k++) parts.Add($"{prefix}{sorted[k]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }
}
