using ScottPlot;

namespace Mixtral.Bench;

/// <summary>A PNG bar chart: this run's decode tokens/s per weight format at batch 1 next to its floor, and at batch N.</summary>
public static class DecodeChart
{
    public static void Write(DecodeResults r, string path)
    {
        var ours = Colors.SteelBlue;
        var floor = Colors.Gray;
        var batch = Colors.SeaGreen;
        var bars = new List<(string Label, double Value, Color Color)>();
        foreach (var v in r.Variants)
        {
            bars.Add(($"{Short(v.Name)}\nbatch 1", v.Batch1.TokensPerSecond, ours));
            bars.Add(($"{Short(v.Name)}\nfloor", r.FloorTokensPerSecond(v.Bytes), floor));
        }
        foreach (var v in r.Variants)
            bars.Add(($"{Short(v.Name)}\nbatch {v.BatchN.Sequences}", v.BatchN.TokensPerSecond, batch));

        using var plot = new Plot();
        var plotted = bars.Select((b, i) => new Bar
        {
            Position = i,
            Value = b.Value,
            FillColor = b.Color,
            Label = b.Value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
        plot.Add.Bars(plotted);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, bars.Count).Select(i => (double)i)], [.. bars.Select(b => b.Label)]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title($"Mixtral `mid` decode, {r.Threads} threads, tokens/s (floors from {r.BandwidthGBps:F1} GB/s measured in the run)");
        plot.YLabel("tokens/s");
        plot.SavePng(path, 1400, 650);
    }

    private static string Short(string name) => name.Split(' ')[0];
}
