using ScottPlot;

namespace Mixtral.Bench;

/// <summary>A PNG bar chart: this run's decode tokens/s at batch 1 and batch N next to the floor and the peers.</summary>
public static class DecodeChart
{
    public static void Write(DecodeResults r, string path)
    {
        var ours = Colors.SteelBlue;
        var floor = Colors.Gray;
        var peer = Colors.Orange;
        var bars = new List<(string Label, double Value, Color Color)>
        {
            ("this engine\nbatch 1", r.Batch1.TokensPerSecond, ours),
            ("floor\n(this run)", r.FloorTokensPerSecond, floor),
        };
        bars.AddRange(Peer.Mid.Where(p => p.Batch1 is not null).Select(p => (Wrap(p.Name) + "\nbatch 1", p.Batch1!.Value, peer)));
        bars.Add(($"this engine\nbatch {r.BatchN.Sequences}", r.BatchN.TokensPerSecond, ours));
        bars.AddRange(Peer.Mid.Where(p => p.Batch8 is not null).Select(p => (Wrap(p.Name) + "\nbatch 8", p.Batch8!.Value, peer)));

        var plot = new Plot();
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
        plot.Title($"Mixtral `mid` decode, {r.Threads} threads: tokens/s (floor {r.BandwidthGBps:F1} GB/s)");
        plot.YLabel("tokens/s");
        plot.SavePng(path, 1200, 600);
    }

    private static string Wrap(string name) => name.Replace(", ", "\n", StringComparison.Ordinal);
}
