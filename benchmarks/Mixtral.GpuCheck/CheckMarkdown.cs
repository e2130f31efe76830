using System.Globalization;
using System.Text;

namespace Mixtral.GpuCheck;

/// <summary>The markdown section of each step, rendered from its result (the JSON holds the same numbers in full).</summary>
public static class CheckMarkdown
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Info(MachineInfo m)
    {
        var s = new StringBuilder("## Machine and LibTorch\n\n");
        s.Append(Inv, $"- host `{m.Host}`, {m.Os}, CPU {m.Cpu} ({m.LogicalCores} logical cores), {m.DotNet}\n");
        s.Append(Inv, $"- TorchSharp {m.TorchSharp} (built against LibTorch {m.LibTorchPackage}); CUDA available: {m.CudaAvailable}, devices: {m.CudaDevices}\n");
        s.Append(Inv, $"- MIXTRAL_LIBTORCH_DIR = `{m.Libraries.LibTorchDir ?? "(unset)"}`; LD_LIBRARY_PATH = `{m.Libraries.LdLibraryPath ?? "(unset)"}`\n");
        s.Append("- preloaded by full path: ").Append(m.Libraries.Preloaded.Length == 0 ? "none" : string.Join(", ", m.Libraries.Preloaded.Select(p => $"`{p}`"))).Append('\n');
        s.Append("- mapped into the process:\n");
        foreach (string path in m.Libraries.Mapped) s.Append("  - `").Append(path).Append("`\n");
        return s.ToString();
    }

    public static string Golden(IReadOnlyList<GoldenResult> results)
    {
        var s = new StringBuilder("## Golden fixture against Hugging Face\n\n");
        s.Append("Logits at every position of 4 prompts, router top-2 of every layer and token, 24 greedy tokens per prompt (KV cache). ");
        s.Append(Inv, $"f32 criterion: logits within {GoldenCheck.LogitTolerance:0e0}, routing and greedy identical; bf16: drift stated.\n\n");
        s.Append("| device | dtype | verdict | max \\|logit − HF\\| | routing slots differing | max \\|router weight − HF\\| | greedy tokens equal | load s | check s |\n");
        s.Append("|---|---|---|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            string verdict = r.Passed switch { true => "**pass**", false => "**FAIL**", null => "drift (no criterion)" };
            s.Append(Inv, $"| {r.Device}{(r.CpuKernels || r.Device != "cpu" ? "" : " (LibTorch only, as on a GPU)")} | {r.DType} | {verdict} | {r.MaxLogitDiff:E2} | {r.RoutingMismatches}/{r.RoutingSlots} | ");
            s.Append(Inv, $"{r.Prompts.Max(p => p.MaxRouterWeightDiff):E2} | {r.GreedyMatched}/{r.GreedyTotal} | {r.LoadSeconds:F1} | {r.CheckSeconds:F1} |\n");
        }
        s.Append("\nPer prompt (max |logit − HF|, greedy tokens equal before the first difference):\n\n");
        foreach (var r in results)
            s.Append(Inv, $"- {r.Device} {r.DType}: ").Append(string.Join("; ", r.Prompts.Select(p =>
                string.Create(Inv, $"prompt {p.Prompt} ({p.Tokens} tokens) {p.MaxLogitDiff:E2}, {p.GreedyMatched}/{p.GreedyTotal}")))).Append('\n');
        return s.ToString();
    }

    public static string Expert(ExpertBenchResult r)
    {
        var c = r.Ceilings;
        var s = new StringBuilder("## One expert's SwiGLU FFN against the floor\n\n");
        s.Append(Inv, $"Shape D={r.Hidden}, I={r.Intermediate}, {r.DType}: {r.ExpertBytes / 1e6:F1} MB of weights per expert, rotating over {r.Experts} experts ");
        s.Append(Inv, $"({r.Experts * r.ExpertBytes / 1e9:F2} GB). Ceilings measured in this run on {r.Device}: device copy {c.CopyGBps:F0} GB/s (read + write), ");
        s.Append(Inv, $"reduction {c.ReduceGBps:F0} GB/s (read) over {c.BufferBytes >> 20} MiB; {c.MatmulDType} {c.MatmulSize}³ matmul {c.MatmulTflops:F2} TFLOP/s. ");
        s.Append(Inv, $"Floor = max(weight bytes / {c.FloorGBps:F0} GB/s, FLOPs / matmul rate).\n\n");
        s.Append("| rows | node's Forward µs | floor µs | of floor | weight GB/s | TFLOP/s | synced latency µs | W1 alone µs | W2 alone µs | silu·mul µs | 2·W1 + W2 + silu·mul µs | fused W1/W3 µs (of floor) |\n");
        s.Append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var b in r.Batches)
            s.Append(Inv, $"| {b.Rows} | {b.Seconds * 1e6:F1} | {b.FloorSeconds * 1e6:F1} | {b.FractionOfFloor:P0} | {b.WeightGBps:F0} | {b.Tflops:F2} | ")
             .Append(Inv, $"{b.LatencySeconds * 1e6:F1} | {b.W1Seconds * 1e6:F1} | {b.W2Seconds * 1e6:F1} | {b.ActivationSeconds * 1e6:F1} | {(2 * b.W1Seconds + b.W2Seconds + b.ActivationSeconds) * 1e6:F1} | {b.FusedSeconds * 1e6:F1} ({b.FusedFractionOfFloor:P0}) |\n");
        s.Append("\nWhere the time goes: the node's Forward is two W1-shaped products (W1, W3), one W2 product and the activation; ");
        s.Append("the sum of the parts timed alone next to the whole shows what the products themselves cost and what is left (launches, the ");
        s.Append("multiply, allocation); the synced latency (one call, waited for) against the queued figure shows the host's launch overhead; ");
        s.Append("the fused variant shows what one [2I, D] product instead of two [I, D] ones would gain. A figure over 100 % of the floor ");
        s.Append("means a ceiling was measured low (a busy machine): trust none of that run's ratios.\n");
        return s.ToString();
    }

    public static string Cluster(ClusterResult r)
    {
        var s = new StringBuilder("## Two nodes on loopback\n\n");
        s.Append(Inv, $"Coordinator on {r.CoordinatorDevice}, every expert on a second node on {r.ExpertDevice}; {r.DType} compute, {r.Wire} on the wire; ");
        s.Append(Inv, $"Orleans development clustering (no Redis), TCP on loopback. Verdict: **{(r.Passed ? "pass" : "FAIL")}**, ");
        s.Append(Inv, $"{r.Matched}/{r.Total} greedy tokens equal HF's; cluster up in {r.StartSeconds:F1} s, generation {r.GenerateSeconds:F1} s.\n\n");
        foreach (var p in r.Prompts)
            s.Append(Inv, $"- prompt {p.Prompt}: {p.Matched}/{p.Total} in {p.Milliseconds:F0} ms\n");
        return s.ToString();
    }
}
