using Mixtral.Cluster.Placement.Routing;
using ScottPlot;

namespace Mixtral.PlacementSim;

/// <summary>A PNG heatmap of a trace's expert loads: layer × expert, each cell the expert's share of its layer's rows.</summary>
internal static class RoutingHeatmap
{
    public static void Write(RoutingStatistics stats, string name, string path)
    {
        var cells = new double[stats.Layers, stats.Experts]; // row = layer, column = expert
        for (int l = 0; l < stats.Layers; l++)
        {
            var share = stats.LoadShare(l);
            for (int e = 0; e < stats.Experts; e++) cells[l, e] = 100 * share[e];
        }
        var plot = new Plot();
        var map = plot.Add.Heatmap(cells);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map).Label = "% of the layer's rows";
        plot.Title($"'{name}': expert load share per layer\n{stats.Tokens} tokens, mean per-layer max/mean {Enumerable.Range(0, stats.Layers).Average(stats.ExpertImbalance):F2}");
        plot.XLabel("expert");
        plot.YLabel("layer");
        plot.Axes.SetLimits(-0.5, stats.Experts - 0.5, -0.5, stats.Layers - 0.5);
        plot.SavePng(path, 800, 950);
    }
}
