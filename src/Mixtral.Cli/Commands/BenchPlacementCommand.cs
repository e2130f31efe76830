using System.CommandLine;
using System.Globalization;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Placement.Planning;
using Mixtral.Cluster.Placement.Simulation;
using Mixtral.Cluster.Placement.Workloads;
using Mixtral.Cluster.PlacementBench;
using Mixtral.Engine;
using Mixtral.Model.Config;

namespace Mixtral.Cli.Commands;

/// <summary>
/// `mixtral bench placement`: the same workload through each strategy's plan on a real multi-process cluster on
/// loopback with an emulated network (or, with --simulate, the trace through each plan on a modelled cluster),
/// reported as markdown and PNG under --out. Flags are checked here; the work is Mixtral.Cluster.PlacementBench's.
/// </summary>
internal static class BenchPlacementCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (every node reads its tensors from it; with --simulate only config.json)", Required = true };
        var nodes = new Option<int>("--nodes") { Description = "Nodes: n0 is the coordinator and holds experts, n1.. hold experts", Required = true };
        var strategies = new Option<string>("--strategies") { Description = "Comma-separated strategies, e.g. round-robin,load-balanced,replicated,layer-affinity", Required = true };
        var workload = new Option<string?>("--workload") { Description = "Workload file (benchmarks/workloads/*.json): requests, concurrency, arrival rate, length distributions" };
        var network = new Option<string>("--network") { Description = "Emulated link on the coordinator's expert calls: 1gbe | 10gbe | 25gbe | 100gbe | none (with --simulate: a comma-separated list)", DefaultValueFactory = _ => "10gbe" };
        var replicaBudget = new Option<double>("--replica-budget") { Description = "Extra memory for copies of hot experts, GB summed over the cluster (replicated)", DefaultValueFactory = _ => 0 };
        var stats = new Option<string?>("--stats") { Description = "Routing statistics for the plans (`mixtral stats --out` or a trace); default: a warm-up run on the first cluster" };
        var trace = new Option<string?>("--trace") { Description = "Routing trace of the same model (`mixtral trace-routing`): the simulator replays it beside the measurements (calibration); required with --simulate" };
        var output = new Option<string>("--out") { Description = "Folder for the report and plots", DefaultValueFactory = _ => Path.Combine("benchmarks", "results") };
        var name = new Option<string>("--name") { Description = "Report file name without extension", DefaultValueFactory = _ => "placement-bench" };
        var threads = new Option<int>("--threads-per-node") { Description = "Torch threads in each node process", DefaultValueFactory = _ => 1 };
        var wire = new Option<string>("--wire-dtype") { Description = "Hidden states on the wire: bf16 | f16 | f32", DefaultValueFactory = _ => "bf16" };
        var repeat = new Option<int>("--repeat") { Description = "Rounds over the strategies (A, B, A, B, ...): each reported row is the median-throughput run", DefaultValueFactory = _ => 1 };
        var simulate = new Option<bool>("--simulate") { Description = "Do not start a cluster: replay --trace through each plan on a modelled cluster over the grid of --network, --dtype and --batch" };
        var batch = new Option<string>("--batch") { Description = "--simulate: comma-separated decode batches", DefaultValueFactory = _ => "1,32" };
        var dtype = new Option<string>("--dtype") { Description = "--simulate: comma-separated expert dtypes (bf16, int8, q4, f32)", DefaultValueFactory = _ => "bf16,int8" };
        var bandwidth = new Option<double>("--node-bandwidth") { Description = "--simulate: weight read bandwidth per node, GB/s", DefaultValueFactory = _ => 1000 };
        var tflops = new Option<double>("--node-tflops") { Description = "--simulate: dense FLOP rate per node, TFLOP/s", DefaultValueFactory = _ => 150 };
        var memory = new Option<double>("--memory-per-node") { Description = "--simulate: weight memory per node, GB", DefaultValueFactory = _ => 20 };
        var emulateDevice = new Option<string?>("--emulate-device") { Description = "Every node emulates this compute device (cpu | gpu24 | GBPS/TFLOPS): each expert call also takes as long as a Mixtral-8x7B bf16 expert would there, one call at a time per node, so nodes sharing this machine's cores behave like separate machines; enables the load-balanced+cost and replicated+cost strategies" };
        var overhead = new Option<double>("--call-overhead-us") { Description = "--simulate: fixed cost of one expert call, µs", DefaultValueFactory = _ => 50 };

        var command = new Command("placement", "Run one workload through several placement plans on a real cluster (or --simulate) and report throughput, latency, node load and network use")
        {
            model, nodes, strategies, workload, network, replicaBudget, stats, trace, output, name, threads, wire, repeat, simulate, batch, dtype, bandwidth, tflops, memory, overhead, emulateDevice,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            int nodeCount = result.GetValue(nodes);
            if (nodeCount < 2) throw new CliUsageException($"--nodes must be at least 2 (a coordinator and an expert node), got {nodeCount}");
            var strategyNames = Strategies(result.GetValue(strategies)!);
            if (result.GetValue(replicaBudget) is var gb && (gb < 0 || !double.IsFinite(gb))) throw new CliUsageException($"--replica-budget must be a non-negative number of GB, got {gb}");
            string? tracePath = result.GetValue(trace);
            if (tracePath is not null && !File.Exists(tracePath)) throw new CliUsageException($"--trace: {tracePath} not found");
            string? statsPath = result.GetValue(stats);
            if (statsPath is not null && !File.Exists(statsPath)) throw new CliUsageException($"--stats: {statsPath} not found");
            string command = "mixtral " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");

            if (result.GetValue(simulate))
            {
                if (tracePath is null) throw new CliUsageException("--simulate needs --trace TRACE (a routing trace with the model's layer count)");
                var networks = List(result.GetValue(network)!, "--network", n => { LinkModel.Preset(n); return n; });
                var dtypes = List(result.GetValue(dtype)!, "--dtype", d => Precisions.Parse(d, "--dtype"));
                var batches = List(result.GetValue(batch)!, "--batch", b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1 ? v : throw new ArgumentException($"--batch: \"{b}\" is not a positive integer"));
                if (!(result.GetValue(bandwidth) > 0) || !(result.GetValue(tflops) > 0) || !(result.GetValue(memory) > 0) || result.GetValue(overhead) < 0)
                    throw new CliUsageException("--node-bandwidth, --node-tflops and --memory-per-node must be positive, --call-overhead-us not negative");
                var config = ModelFolder.ReadConfig(result.GetValue(model)!);
                var grid = new SimulatedGridOptions(result.GetValue(model)!, tracePath, nodeCount, strategyNames, networks, dtypes, batches,
                    result.GetValue(bandwidth), result.GetValue(tflops), result.GetValue(memory), gb, result.GetValue(overhead),
                    result.GetValue(output)!, result.GetValue(name)!);
                string path;
                try { path = SimulatedGrid.Run(grid, config, command, Log); }
                catch (FormatException e) { throw new CliUsageException($"--trace: {e.Message}", e); }
                Console.Error.WriteLine($"wrote {path}");
                return 0;
            }

            string net = result.GetValue(network)!;
            if (net != "none")
            {
                try { LinkModel.Preset(net); }
                catch (ArgumentException e) { throw new CliUsageException($"--network: {CliApp.OneLine(e)}", e); }
            }
            string? device = result.GetValue(emulateDevice);
            if (device is not null)
            {
                try { NodeModel.Preset(device); }
                catch (ArgumentException e) { throw new CliUsageException($"--emulate-device: {CliApp.OneLine(e)}", e); }
            }
            if (strategyNames.FirstOrDefault(n => PlacementBenchRunner.BaseStrategy(n) != n) is string costed && device is null)
                throw new CliUsageException($"--strategies: \"{costed}\" balances time per node, which needs --emulate-device (what a row costs against a weight read)");
            string workloadPath = result.GetValue(workload) ?? throw new CliUsageException("--workload FILE is required (e.g. benchmarks/workloads/decode-heavy.json), unless --simulate");
            Workload load;
            try { load = WorkloadFile.Load(workloadPath); }
            catch (FileNotFoundException) { throw new CliUsageException($"--workload: {workloadPath} not found"); }
            catch (FormatException e) { throw new CliUsageException($"--workload: {e.Message}", e); }
            if (result.GetValue(repeat) < 1) throw new CliUsageException($"--repeat must be at least 1, got {result.GetValue(repeat)}");
            if (result.GetValue(threads) < 1) throw new CliUsageException($"--threads-per-node must be at least 1, got {result.GetValue(threads)}");
            string wireName = result.GetValue(wire)!;
            if (wireName is not ("bf16" or "f16" or "f32")) throw new CliUsageException($"--wire-dtype: \"{wireName}\" is not bf16, f16 or f32");
            var modelConfig = ModelFolder.Open(result.GetValue(model)!).Config; // the whole folder: the nodes will need it
            var options = new PlacementBenchOptions(Path.GetFullPath(result.GetValue(model)!), nodeCount, strategyNames, workloadPath, load, net, gb,
                statsPath, tracePath, result.GetValue(output)!, result.GetValue(name)!, result.GetValue(threads), wireName, result.GetValue(repeat), device);
            var measured = await PlacementBenchRunner.RunAsync(options, modelConfig, Log);
            string report = PlacementBenchReport.Write(options, modelConfig, measured, command);
            Console.Error.WriteLine($"wrote {report}");
            return 0;
        });
        return command;
    }

    private static List<string> Strategies(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (names.Count == 0) throw new CliUsageException("--strategies: give at least one strategy");
        foreach (string n in names)
        {
            string strategy = PlacementBenchRunner.BaseStrategy(n);
            if (strategy != n && strategy is not ("load-balanced" or "replicated"))
                throw new CliUsageException($"--strategies: \"{n}\": only load-balanced and replicated take {PlacementBenchRunner.CostSuffix}");
            try { PlanStrategies.Get(strategy); }
            catch (PlacementPlanException e) { throw new CliUsageException($"--strategies: {e.Message}", e); }
        }
        if (names.Distinct().Count() != names.Count) throw new CliUsageException("--strategies: a strategy is listed twice");
        return names;
    }

    private static List<T> List<T>(string text, string flag, Func<string, T> parse)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new CliUsageException($"{flag}: give at least one value");
        try { return [.. items.Select(parse)]; }
        catch (ArgumentException e) { throw new CliUsageException($"{flag}: {CliApp.OneLine(e)}", e); }
    }
}
