using System.Diagnostics;
using Mixtral.GpuCheck;

// mixtral-gpucheck STEP [--flag value]...: one step per process, so a step that crashes the process (a native library
// that fails to bind, a CUDA error) costs only that step; each writes OUT/STEP.json, and `report` merges them.
try
{
    var a = new CheckArguments(args);
    string out_ = a.Text("--out", "gpu-check-out");
    Directory.CreateDirectory(out_);
    if (a.Step == "report")
    {
        string logs = a.Text("--logs", out_);
        a.RejectUnknown();
        var (json, markdown) = CheckReport.Write(out_, logs);
        Console.WriteLine($"wrote {json} and {markdown}");
        Console.Write(await File.ReadAllTextAsync(markdown));
        return 0;
    }
    string device = a.Text("--device", "cpu");
    string fixture = a.Text("--fixture", "");
    var outcome = await CheckSteps.RunAsync(a, device, fixture, out_, Progress);
    Console.WriteLine(outcome.Passed switch { true => $"{a.Step}: PASSED", false => $"{a.Step}: FAILED", null => $"{a.Step}: done" });
    return outcome.Passed == false ? 1 : 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

static void Progress(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");

namespace Mixtral.GpuCheck
{
    /// <summary>What one step wrote: whether it ran, passed (null: measured, no criterion), how long, and its result.</summary>
    public sealed record StepOutcome(string Step, bool Ok, bool? Passed, string? Error, double Seconds, object? Result, string Markdown);

    /// <summary>Runs one step with its flags and writes OUT/STEP.json, also when the step throws.</summary>
    public static class CheckSteps
    {
        public static async Task<StepOutcome> RunAsync(CheckArguments a, string device, string fixture, string outFolder, Action<string> progress)
        {
            var clock = Stopwatch.StartNew();
            StepOutcome outcome;
            try
            {
                NativeTorch.Initialise(device); // inside: a LibTorch that does not load is this step's reported error
                outcome = a.Step switch
                {
                    "info" => Info(a),
                    "golden" => await GoldenAsync(a, device, fixture, progress),
                    "expert" => Expert(a, device, progress),
                    "cluster" => await ClusterAsync(a, device, fixture, outFolder, progress),
                    _ => throw new ArgumentException($"unknown step {a.Step}"),
                };
                outcome = outcome with { Seconds = clock.Elapsed.TotalSeconds };
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                progress($"{a.Step}: {e.GetType().Name}: {e.Message}");
                outcome = new StepOutcome(a.Step, false, false, $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}", clock.Elapsed.TotalSeconds, null,
                    $"## {a.Step}\n\nFailed: `{e.GetType().Name}: {e.Message.Split('\n')[0]}`\n");
            }
            CheckReport.WriteStep(outFolder, outcome);
            return outcome;
        }

        private static StepOutcome Info(CheckArguments a)
        {
            a.RejectUnknown();
            var info = MachineReport.Describe();
            return new StepOutcome("info", true, null, null, 0, info, CheckMarkdown.Info(info));
        }

        private static async Task<StepOutcome> GoldenAsync(CheckArguments a, string device, string fixture, Action<string> progress)
        {
            var dtypes = a.List("--dtypes", "f32,bf16");
            bool cpuKernels = a.Text("--cpu-kernels", "on") switch
            {
                "on" => true,
                "off" => false,
                var v => throw new ArgumentException($"--cpu-kernels: \"{v}\" is not on or off"),
            };
            a.RejectUnknown();
            RequireFixture(fixture);
            var results = new List<GoldenResult>();
            foreach (string dtype in dtypes) results.Add(await GoldenCheck.RunAsync(fixture, device, dtype, progress, cpuKernels));
            bool? passed = results.Any(r => r.Passed == false) ? false : results.Any(r => r.Passed == true) ? true : null;
            return new StepOutcome("golden", true, passed, null, 0, results, CheckMarkdown.Golden(results));
        }

        private static StepOutcome Expert(CheckArguments a, string device, Action<string> progress)
        {
            bool cuda = device.StartsWith("cuda", StringComparison.Ordinal);
            var options = new ExpertBenchOptions(device,
                a.Int("--hidden", 4096), a.Int("--intermediate", 14336), a.Text("--dtype", "bf16"), a.Int("--experts", 8),
                a.Ints("--batches", "1,8,32,128"), (long)a.Int("--bandwidth-mb", cuda ? 4096 : 512) << 20, a.Int("--matmul-size", cuda ? 8192 : 1024),
                a.Int("--samples", cuda ? 11 : 7), a.Int("--calls", cuda ? 4 : 1));
            a.RejectUnknown();
            var result = ExpertBench.Run(options, progress);
            return new StepOutcome("expert", true, null, null, 0, result, CheckMarkdown.Expert(result));
        }

        private static async Task<StepOutcome> ClusterAsync(CheckArguments a, string device, string fixture, string outFolder, Action<string> progress)
        {
            string coordinator = a.Text("--coordinator-device", "cpu");
            string dtype = a.Text("--dtype", "f32");
            var wire = a.Text("--wire-dtype", "f32") switch
            {
                "f32" => Cluster.Contracts.Wire.WireDType.Float32,
                "f16" => Cluster.Contracts.Wire.WireDType.Float16,
                "bf16" => Cluster.Contracts.Wire.WireDType.BFloat16,
                var w => throw new ArgumentException($"--wire-dtype: \"{w}\" is not f32, f16 or bf16"),
            };
            string basePort = a.Text("--base-port", "auto"); // auto: four free ports the OS picks
            int[] ports = basePort == "auto" ? LoopbackPair.FreePorts()
                : int.TryParse(basePort, out int first) && first is > 0 and < 65532 ? [first, first + 1, first + 2, first + 3]
                : throw new ArgumentException($"--base-port: \"{basePort}\" is not auto or a port number");
            a.RejectUnknown();
            RequireFixture(fixture);
            var result = await ClusterCheck.RunAsync(fixture, coordinator, device, dtype, wire, Path.Combine(outFolder, "cluster-work"), ports, progress);
            return new StepOutcome("cluster", true, result.Passed, null, 0, result, CheckMarkdown.Cluster(result));
        }

        private static void RequireFixture(string fixture)
        {
            if (fixture.Length == 0) throw new ArgumentException("--fixture DIR is required (the tiny-mixtral golden fixture folder)");
            if (!Directory.Exists(fixture)) throw new ArgumentException($"--fixture {fixture}: no such folder");
        }
    }
}
