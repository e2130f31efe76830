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
        var bars = new List<(string Label, double Value, Color Color)>();
        foreach (var v in new[] { r.Float32, r.BFloat16 }.OfType<VariantResults>())
        {
            string weights = v == r.Float32 ? "f32" : "bf16";
            bars.Add(($"this engine\n{weights} weights\nbatch 1", v.Batch1.TokensPerSecond, ours));
            bars.Add(($"floor\n{weights} weights\n(this run)", r.FloorTokensPerSecond(v.Bytes), floor));
        }
        bars.AddRange(Peer.Mid.Where(p => p.Batch1 is not null).Select(p => (Wrap(p.Name) + "\nbatch 1", p.Batch1!.Value, peer)));
        foreach (var v in new[] { r.Float32, r.BFloat16 }.OfType<VariantResults>())
            bars.Add(($"this engine\n{(v == r.Float32 ? "f32" : "bf16")} weights\nbatch {v.BatchN.Sequences}", v.BatchN.TokensPerSecond, ours));
        bars.AddRange(Peer.Mid.Where(p => p.Batch8 is not null).Select(p => (Wrap(p.Name) + "\nbatch 8", p.Batch8!.Value, peer)));

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
        plot.Title($"Mixtral `mid` decode, {r.Threads} threads, tokens/s (floors from {r.BandwidthGBps:F1} GB/s measured in the run; peers measured earlier)");
        plot.YLabel("tokens/s");
        plot.SavePng(path, 1400, 650);
    }

    private static string Wrap(string name) => name.Replace(", ", "\n", StringComparison.Ordinal);
}
