using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mixtral.Client;
using Mixtral.Cluster.Contracts.Placement;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral plan apply --cluster HOST:PORT --plan FILE`: live rebalancing. The running cluster checks the plan against the
/// model and its nodes (running members, the coordinator's node, memory while old and new copies coexist), warms the new
/// copies, switches routing between two decode steps and retires the old copies; requests in flight keep their tokens.
/// </summary>
internal static class PlanApplyCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var cluster = CommonOptions.Cluster();
        cluster.Description = "The running cluster: HOST:GATEWAYPORT of any node";
        cluster.Required = true;
        var plan = new Option<string>("--plan") { Description = "The new plan (from `mixtral plan --out`)", Required = true };
        var asJson = new Option<bool>("--json") { Description = "Print the change's report as JSON" };
        var command = new Command("apply", "Apply a new plan to a running cluster without stopping it (warm, switch, retire)") { cluster, plan, asJson };
        command.SetAction(async (result, cancellationToken) =>
        {
            string path = result.GetValue(plan)!;
            var next = PlacementPlan.Load(path); // a malformed file is named here, before the cluster is asked
            await using var client = await MixtralClusterClient.ConnectAsync(result.GetValue(cluster)!, cancellationToken);
            PlanChangeReport report;
            try
            {
                report = await client.ApplyPlanAsync(next.ToJson(), Path.GetFileName(path));
            }
            catch (PlanChangeRejectedException e)
            {
                throw new PlacementPlanException(e.Message, e); // reported like any plan problem: every item named
            }
            Console.Out.Write(result.GetValue(asJson) ? JsonSerializer.Serialize(report, Json) + "\n" : Describe(report));
            return 0;
        });
        return command;
    }

    private static string Describe(PlanChangeReport r) => string.Create(CultureInfo.InvariantCulture,
        $"""
         plan generation {r.Generation} is serving on {string.Join(", ", r.Nodes)}
           warm    {r.CopiesWarmed} expert copies activated ({r.CopiesMoved} on a new node) in {r.WarmMs:F0} ms
           switch  waited {r.SwitchWaitMs:F1} ms for the step in progress; steps stalled {r.SwitchStallMs:F3} ms
           retire  {r.CopiesRetired} old copies deactivated in {r.RetireMs:F0} ms

         """);
}
