using System.Globalization;
using System.CommandLine;
using Mixtral.Client;
using Mixtral.Cluster.Placement.Routing;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral stats --trace FILE | --cluster HOST:PORT`: routing statistics of a trace from `mixtral trace-routing`, or of
/// every step a running cluster has served (its statistics grain), as a summary or as the JSON `mixtral plan --stats` reads.
/// </summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var trace = new Option<string?>("--trace") { Description = "Routing trace (JSON lines) from `mixtral trace-routing`" };
        var cluster = CommonOptions.Cluster();
        cluster.Description = "Statistics of every step a running cluster served: HOST:GATEWAYPORT of any node";
        var experts = new Option<int>("--experts") { Description = "Experts per layer of the model", DefaultValueFactory = _ => 8 };
        var output = new Option<string?>("--out") { Description = "Write the statistics as JSON here (the --stats input of `mixtral plan`)" };
        var json = new Option<bool>("--json") { Description = "Print the statistics as JSON instead of a summary" };
        var command = new Command("stats", "Routing statistics of a trace: expert loads, pairs, inter-layer affinity") { trace, cluster, experts, output, json };
        var connection = new ClusterConnectionFlags();
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            if ((result.GetValue(trace) is null) == (result.GetValue(cluster) is null))
                throw new CliUsageException("give exactly one of --trace FILE and --cluster HOST:PORT");
            if (result.GetValue(cluster) is string gateway)
                return await FromClusterAsync(connection.Read(result, gateway), result.GetValue(json), result.GetValue(output), cancellationToken);
            string path = result.GetValue(trace)!;
            if (!File.Exists(path)) throw new CliUsageException($"--trace: {path} not found");
            if (result.GetValue(experts) < 1) throw new CliUsageException("--experts must be at least 1");
            RoutingStatistics stats;
            try
            {
                using var reader = File.OpenText(path);
                stats = RoutingStatisticsBuilder.FromTrace(RoutingTraceFile.Read(reader, path), result.GetValue(experts), path);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new CliUsageException($"--trace: {CliApp.OneLine(e)}", e);
            }
            Print(stats, result.GetValue(json), result.GetValue(output));
            return 0;
        });
        return command;
    }

    private static async Task<int> FromClusterAsync(Mixtral.Client.ClusterConnectionOptions connection, bool json, string? outPath, CancellationToken cancellationToken)
    {
        string gateway = connection.Gateway;
        await using var client = await MixtralClusterClient.ConnectAsync(connection, cancellationToken);
        var snapshot = await client.RoutingStatisticsAsync();
        var stats = RoutingStatistics.FromJson(snapshot.StatisticsJson, $"the statistics of {gateway}");
        Print(stats, json, outPath);
        if (!json)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{snapshot.Steps} serving steps; expert-token load per node under the serving plan:"));
            foreach (var (node, tokens) in snapshot.Nodes.Zip(snapshot.NodeTokens))
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {node,-16} {tokens,12:F0}"));
        }
        return 0;
    }

    private static void Print(RoutingStatistics stats, bool json, string? outPath)
    {
        if (json) Console.Out.Write(stats.ToJson());
        else Console.Out.Write(Summary(stats));
        if (outPath is not null)
        {
            File.WriteAllText(outPath, stats.ToJson());
            Console.Error.WriteLine($"wrote {outPath}");
        }
    }

    private static string Summary(RoutingStatistics s)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{s.Tokens} tokens, {s.Layers} layers × {s.Experts} experts, top-{s.ExpertsPerToken}");
        text.AppendLine("layer  max/mean  load share per expert (%)                best next-layer lift");
        for (int l = 0; l < s.Layers; l++)
        {
            string shares = string.Join(" ", s.LoadShare(l).Select(x => (100 * x).ToString("F0", CultureInfo.InvariantCulture).PadLeft(3)));
            string lift = l + 1 < s.Layers
                ? Enumerable.Range(0, s.Experts).Max(i => Enumerable.Range(0, s.Experts).Max(j => s.NextLayerLift(l, i, j))).ToString("F2", CultureInfo.InvariantCulture)
                : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"{l,5}  {s.ExpertImbalance(l),8:F2}  {shares,-40} {lift}");
        }
        double mean = Enumerable.Range(0, s.Layers).Average(s.ExpertImbalance);
        text.AppendLine(CultureInfo.InvariantCulture, $"mean per-layer max/mean expert load: {mean:F2} (uniform = 1, top-{s.ExpertsPerToken} of {s.Experts} caps it at {(double)s.Experts / s.ExpertsPerToken:F1})");
        return text.ToString();
    }
}
