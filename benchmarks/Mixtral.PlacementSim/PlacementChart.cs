using ScottPlot;

namespace Mixtral.PlacementSim;

/// <summary>One PNG: every strategy's simulated throughput relative to round-robin, per scenario (grouped bars).</summary>
internal static class PlacementChart
{
    public static void Write(IReadOnlyList<ScenarioResults> results, string path)
    {
        var strategies = results[0].Results.Select(r => r.Strategy).ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var plot = new Plot();
        double width = 0.8 / strategies.Length;
        for (int s = 0; s < strategies.Length; s++)
        {
            var bars = results.Select((r, i) => new Bar
            {
                Position = i + (s - (strategies.Length - 1) / 2.0) * width,
                Value = r.Of(strategies[s]).TokensPerSecond / r.Of("round-robin").TokensPerSecond,
                FillColor = palette.GetColor(s),
                Size = width * 0.95,
            }).ToList();
            var added = plot.Add.Bars(bars);
            added.LegendText = strategies[s];
        }
        plot.Add.HorizontalLine(1, 1, Colors.Black, LinePattern.Dashed);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, results.Count).Select(i => (double)i)],
            [.. results.Select(r => $"{r.Scenario.Trace}\n{r.Scenario.Hardware}\n{r.Scenario.Link.Name} {r.Scenario.DType.ToString().Replace("BFloat16", "bf16", StringComparison.Ordinal).ToLowerInvariant()}\nbatch {r.Scenario.Batch}")]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 9;
        double highest = results.Max(r => r.Results.Max(x => x.TokensPerSecond / r.Of("round-robin").TokensPerSecond));
        plot.Axes.SetLimitsY(0, highest * 1.3); // room above the bars for the legend
        plot.Title("Simulated decode throughput relative to round-robin (Mixtral-8x7B dimensions; not calibrated)");
        plot.YLabel("tokens/s ÷ round-robin's");
        plot.ShowLegend(Alignment.UpperCenter, Orientation.Horizontal);
        plot.SavePng(path, Math.Max(1400, 95 * results.Count), 700);
    }
}
