using Mixtral.Model.Config;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Routing;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Engine;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral plan simulate`: replays a routing trace through one or more plans on a modelled cluster (network preset,
/// node bandwidth and FLOP rate, the model's real dimensions from --model's config.json) and prints throughput,
/// step latency, node load and network use per plan. Answers what cannot run here (8–64 nodes, full-size Mixtral).
/// </summary>
internal static class PlanSimulateCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (only config.json is read; the real 8x7B config works without weights)", Required = true };
        var plans = new Option<string>("--plans") { Description = "Comma-separated plan files (from `mixtral plan --out`)", Required = true };
        var trace = new Option<string>("--trace") { Description = "Routing trace from `mixtral trace-routing` (layers must match the model)", Required = true };
        var network = new Option<string>("--network") { Description = "Link preset: 1gbe | 10gbe | 25gbe | 100gbe", DefaultValueFactory = _ => "10gbe" };
        var batch = new Option<int>("--batch") { Description = "Decode rows per step (sequences decoding together)", DefaultValueFactory = _ => 1 };
        var dtype = new Option<string>("--dtype") { Description = "Expert weight dtype on the nodes: bf16 | f16 | int8 | f32", DefaultValueFactory = _ => "bf16" };
        var bandwidth = new Option<double>("--node-bandwidth") { Description = "Weight read bandwidth of every node, GB/s", DefaultValueFactory = _ => 1000 };
        var tflops = new Option<double>("--node-tflops") { Description = "Dense FLOP rate of every node, TFLOP/s", DefaultValueFactory = _ => 150 };
        var overhead = new Option<double>("--call-overhead-us") { Description = "Fixed cost of one expert call (RPC dispatch, serialisation, launch), µs", DefaultValueFactory = _ => 50 };
        var perNode = new Option<bool>("--calls-per-node") { Description = "Model one call per node (each token sent once, weighted sum returned) instead of one per expert" };
        var asJson = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var command = new Command("simulate", "Replay a routing trace through plans on a modelled cluster")
        {
            model, plans, trace, network, batch, dtype, bandwidth, tflops, overhead, perNode, asJson,
        };
        command.SetAction(result =>
        {
            var config = ModelFolder.ReadConfig(result.GetValue(model)!);
            Precision weights;
            LinkModel link;
            try
            {
                weights = Precisions.Parse(result.GetValue(dtype)!, "--dtype");
                link = LinkModel.Preset(result.GetValue(network)!);
            }
            catch (ArgumentException e) { throw new CliUsageException(CliApp.OneLine(e), e); }
            if (result.GetValue(batch) < 1) throw new CliUsageException($"--batch must be at least 1, got {result.GetValue(batch)}");
            if (!(result.GetValue(bandwidth) > 0) || !(result.GetValue(tflops) > 0) || result.GetValue(overhead) < 0)
                throw new CliUsageException("--node-bandwidth and --node-tflops must be positive, --call-overhead-us not negative");
            var simulated = SimulatedModel.From(config, weights);
            var cluster = new SimulatedCluster(link, new NodeModel(result.GetValue(bandwidth) * 1e9, result.GetValue(tflops) * 1e12),
                result.GetValue(overhead) * 1e-6, CallsPerNode: result.GetValue(perNode));
            string tracePath = result.GetValue(trace)!;
            if (!File.Exists(tracePath)) throw new CliUsageException($"--trace: {tracePath} not found");
            IReadOnlyList<RoutedToken> tokens;
            try { tokens = RoutingTokens.Group(RoutingTraceFile.Read(File.OpenText(tracePath), tracePath), tracePath); }
            catch (FormatException e) { throw new CliUsageException($"--trace: {e.Message}", e); }

            var results = new List<SimulationResult>();
            foreach (string path in result.GetValue(plans)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var plan = PlacementPlan.Load(path);
                if (plan.Model.Fingerprint != simulated.Shape.Identity.Fingerprint)
                    throw new CliUsageException($"--plans: {path} was made for another model (fingerprint {plan.Model.Fingerprint}, --model has {simulated.Shape.Identity.Fingerprint})");
                try { results.Add(PlacementSimulator.Run(plan, tokens, simulated, cluster, result.GetValue(batch))); }
                catch (ArgumentException e) { throw new CliUsageException($"--trace: {CliApp.OneLine(e)}", e); }
            }
            Console.Out.Write(result.GetValue(asJson)
                ? JsonSerializer.Serialize(results, Json) + "\n"
                : Table(results, link, cluster, weights));
            return 0;
        });
        return command;
    }

    private static string Table(List<SimulationResult> results, LinkModel link, SimulatedCluster cluster, Precision dtype)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{link}, nodes {cluster.Node.WeightBytesPerSecond / 1e9:F0} GB/s and {cluster.Node.FlopsPerSecond / 1e12:F0} TFLOP/s, {dtype.ShortName()} experts, call overhead {cluster.CallOverheadSeconds * 1e6:F0} µs (simulated, not calibrated)");
        text.AppendLine("strategy           tok/s   p50 ms   p99 ms  node max/mean  layer max/mean  KB/token  hops/token  copies");
        foreach (var r in results)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Strategy,-16} {r.TokensPerSecond,7:F1} {r.P50StepSeconds * 1e3,8:F2} {r.P99StepSeconds * 1e3,8:F2} {r.NodeLoadImbalance,14:F3} {r.LayerImbalance,15:F3} {r.WireBytesPerToken / 1024,9:F0} {r.HopsPerToken,11:F1} {r.ExtraCopies,7}");
        return text.ToString();
    }
}
