using ScottPlot;

namespace Mixtral.Cluster.PlacementBench;

/// <summary>The report's plots: throughput and request latency per strategy, and the rows each node served.</summary>
public static class PlacementBenchCharts
{
    public static void Throughput(IReadOnlyList<StrategyMeasurement> ms, string title, string path)
    {
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < ms.Count; i++)
        {
            var bar = plot.Add.Bar(new Bar { Position = i, Value = ms[i].TokensPerSecond, FillColor = palette.GetColor(i), Size = 0.7 });
            bar.LegendText = "";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, ms.Count).Select(i => (double)i)], [.. ms.Select(m => m.Strategy)]);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("generated tokens/s (measured)");
        plot.Title(title);
        plot.SavePng(path, 900, 500);
    }

    public static void Latency(IReadOnlyList<StrategyMeasurement> ms, string path)
    {
        using var plot = new Plot();
        var p50 = plot.Add.Bars(ms.Select((m, i) => new Bar { Position = 3 * i, Value = m.P50LatencyMs / 1e3, FillColor = Colors.SteelBlue }).ToList());
        p50.LegendText = "p50";
        var p99 = plot.Add.Bars(ms.Select((m, i) => new Bar { Position = 3 * i + 1, Value = m.P99LatencyMs / 1e3, FillColor = Colors.Orange }).ToList());
        p99.LegendText = "p99";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, ms.Count).Select(i => 3.0 * i + 0.5)], [.. ms.Select(m => m.Strategy)]);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("request latency, s (arrival to last token)");
        plot.Title("Request latency per plan (measured)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 500);
    }

    /// <summary>Rows per node relative to the mean, per strategy (grouped bars): 1.0 everywhere is a perfect balance.</summary>
    public static void NodeLoads(IReadOnlyList<StrategyMeasurement> ms, string path)
    {
        using var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int nodes = ms[0].NodeLoads.Count;
        double width = 0.8 / nodes;
        for (int n = 0; n < nodes; n++)
        {
            var bars = ms.Select((m, i) => new Bar
            {
                Position = i + (n - (nodes - 1) / 2.0) * width,
                Value = m.NodeLoads[n].Rows / m.NodeLoads.Average(x => x.Rows),
                FillColor = palette.GetColor(n),
                Size = width * 0.95,
            }).ToList();
            plot.Add.Bars(bars).LegendText = ms[0].NodeLoads[n].Node;
        }
        plot.Add.HorizontalLine(1, 1, Colors.Black, LinePattern.Dashed);
        plot.Add.HorizontalLine(1.1, 1, Colors.Red, LinePattern.Dotted);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, ms.Count).Select(i => (double)i)], [.. ms.Select(m => m.Strategy)]);
        plot.Axes.Margins(bottom: 0);
        plot.YLabel("rows served ÷ mean over nodes");
        plot.Title("Node load per plan (dotted: the 1.1 target)");
        plot.ShowLegend(Alignment.UpperRight, Orientation.Horizontal);
        plot.SavePng(path, 900, 500);
    }
}
