using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cli.Commands;

/// <summary>
/// The <c>--stats FILE</c> of <c>mixtral plan</c>: routing statistics JSON (<c>mixtral stats --trace … --out</c>) or a
/// routing trace straight from <c>mixtral trace-routing</c> (JSON lines, counted on the fly).
/// </summary>
internal static class StatisticsInput
{
    public static RoutingStatistics Load(string path, ModelIdentity model, string flag)
    {
        if (!File.Exists(path)) throw new CliUsageException($"{flag}: {path} not found");
        try
        {
            var stats = IsTrace(path)
                ? RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Read(File.OpenText(path), path), model.NumLocalExperts, path)
                : RoutingStatistics.FromJson(File.ReadAllText(path), path);
            stats.RequireShape(model, path);
            return stats;
        }
        catch (Exception e) when (e is FormatException or PlacementPlanException or ArgumentException)
        {
            throw new CliUsageException($"{flag}: {CliApp.OneLine(e)}", e);
        }
    }

    /// <summary>A trace's first line is a whole object with a "prompt" field; statistics are one (possibly indented) object.</summary>
    private static bool IsTrace(string path)
    {
        using var reader = File.OpenText(path);
        string? first = reader.ReadLine();
        while (first is not null && string.IsNullOrWhiteSpace(first)) first = reader.ReadLine();
        return first is not null && first.TrimStart().StartsWith("{\"prompt\"", StringComparison.Ordinal);
    }
}
