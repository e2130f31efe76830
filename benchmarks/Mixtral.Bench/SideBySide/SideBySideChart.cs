using ScottPlot;

namespace Mixtral.Bench.SideBySide;

/// <summary>A PNG: each figure and format, our best round next to llama.cpp's.</summary>
public static class SideBySideChart
{
    public static void Write(SideBySideResults r, string path)
    {
        var bars = new List<(string Label, double Value, Color Color)>();
        void Add(string what, Func<RoundFigures, double> figure)
        {
            foreach (var p in r.Pairings)
            {
                bars.Add(($"ours {p.Ours.Key}\n{what}", SideBySideResults.Best(r.Ours(p), figure), Colors.SteelBlue));
                bars.Add(($"llama {p.LlamaFormat}\n{what}", SideBySideResults.Best(r.Llama(p), figure), Colors.DarkOrange));
            }
        }
        Add("batch 1", f => f.Decode1);
        Add($"batch {r.Options.Batch}", f => f.DecodeN);

        using var plot = new Plot();
        plot.Add.Bars(bars.Select((b, i) => new Bar
        {
            Position = i + i / 2 * 0.5, // a gap after every pair
            Value = b.Value,
            FillColor = b.Color,
            Label = b.Value.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
        }).ToList());
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, bars.Count).Select(i => i + i / 2 * 0.5)], [.. bars.Select(b => b.Label)]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title($"Decode tokens/s, ours vs llama.cpp, same model and machine, {r.Options.Threads} threads (best of {r.Options.Rounds} alternated rounds)");
        plot.YLabel("tokens/s");
        plot.SavePng(path, 1800, 650);
    }
}
