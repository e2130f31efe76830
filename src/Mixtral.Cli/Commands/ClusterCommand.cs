using System.CommandLine;
using System.Text.Json;
using Mixtral.Client;
using Mixtral.Cluster.Placement.Reporting;

namespace Mixtral.Cli.Commands;

/// <summary>`mixtral cluster status`: every node, its role, the experts it holds and the bytes resident.</summary>
internal static class ClusterCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var cluster = CommonOptions.Cluster();
        cluster.Required = true;
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var status = new Command("status", "List nodes, roles, experts held and resident weight bytes") { cluster, json };
        var connection = new ClusterConnectionFlags();
        connection.AddTo(status);
        status.SetAction(async (result, cancellationToken) =>
        {
            await using var client = await MixtralClusterClient.ConnectAsync(connection.Read(result, result.GetValue(cluster)!), cancellationToken);
            var state = await client.StatusAsync();
            if (result.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(state, Json));
                return 0;
            }
            foreach (var node in state.Nodes)
            {
                var experts = node.Experts.Select(Cluster.Contracts.Experts.ExpertKey.Parse).ToList();
                Console.Out.WriteLine($"{node.Name,-16} {node.Role,-12} {node.Device,-6} experts: {(experts.Count == 0 ? "-" : ExpertRangeText.Format(experts))}");
                Console.Out.WriteLine($"{"",-16} resident: {ByteText.GbWithBytes(node.ExpertResidentBytes + node.SharedResidentBytes)} " +
                                      $"(experts {node.ExpertResidentBytes:N0} B, shared {node.SharedResidentBytes:N0} B), read {node.TensorsRead.Length} tensors");
            }
            foreach (var gone in state.Missing)
            {
                Console.Out.WriteLine($"{gone.Name,-16} {gone.Status.ToUpperInvariant(),-12} planned experts: {(gone.PlannedExperts.Count == 0 ? "-" : ExpertRangeText.Format([.. gone.PlannedExperts.Select(Cluster.Contracts.Experts.ExpertKey.Parse)]))}");
                if (gone.ServedElsewhere.Count > 0) Console.Out.WriteLine($"{"",-16} served elsewhere: {string.Join(", ", gone.ServedElsewhere)}");
                if (gone.Orphaned.Count > 0) Console.Out.WriteLine($"{"",-16} ORPHANED (no live copy): {string.Join(", ", gone.Orphaned)}");
            }
            if (state.Coordinator is { } c)
                Console.Out.WriteLine($"coordinator on {c.NodeName}: wire {c.WireDType}, {c.Steps} steps, {c.ExpertCalls} expert calls, fan-out p50 {c.FanOutP50Ms:F2} ms, p99 {c.FanOutP99Ms:F2} ms");
            return 0;
        });
        return new Command("cluster", "Inspect a running cluster") { status };
    }
}
