using System.Globalization;
using System.Text;
using Mixtral.Model.Inference;

namespace Mixtral.Bench;

/// <summary>The markdown report of one `decode` run: the numbers, the floor they are measured against, the peers, and
/// where the time of a step goes.</summary>
public static class DecodeReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(DecodeResults r, string chartFile)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        string F(double v, string format = "F1") => v.ToString(format, Invariant);
        string Pct(double v) => (v * 100).ToString("F0", Invariant) + "%";
        var c = r.Config;

        Line("# Single-process decode vs the memory-bandwidth floor");
        Line();
        Line($"Measured {r.Date.ToString("yyyy-MM-dd HH:mm 'UTC'", Invariant)} by `benchmarks/Mixtral.Bench decode`, everything in one run.");
        Line();
        Line($"- Machine: {r.Machine.Cpu}, {r.Machine.LogicalCores} logical cores, {F(r.Machine.MemoryGiB)} GiB, {r.Machine.VectorIsa}; {r.Machine.Os}; {r.Machine.Runtime}; TorchSharp {r.Machine.TorchSharp}");
        Line($"- Threads: {r.Threads} (kernel pool and LibTorch alike). Load average before / after: {r.LoadBefore} / {r.LoadAfter} (other processes share these cores).");
        Line($"- Model: `{r.ModelPath}`: vocab {c.VocabSize}, hidden {c.HiddenSize}, intermediate {c.IntermediateSize}, {c.NumHiddenLayers} layers, {c.NumAttentionHeads} heads / {c.NumKeyValueHeads} KV heads, {c.NumLocalExperts} experts, top-{c.NumExpertsPerTok}; weights computed in {r.DType}.");
        Line();
        Line("## The floor");
        Line();
        Line("| | |");
        Line("|---|---:|");
        Line($"| Read bandwidth (1 GiB buffer, SIMD sum, {r.Threads} threads, best of 7) | {F(r.BandwidthGBps)} GB/s |");
        Line($"| Bytes one batch-1 decode step reads (embedding row + attention {MB(r.Bytes.Attention)} + routers {MB(r.Bytes.Router)} + norms + {c.NumExpertsPerTok} experts × {c.NumHiddenLayers} layers {MB(r.Bytes.Experts)} + LM head {MB(r.Bytes.LmHead)}) | {MB(r.Bytes.Total)} |");
        Line($"| Floor = bandwidth / bytes | **{F(r.FloorTokensPerSecond)} tokens/s** ({F(1000 / r.FloorTokensPerSecond, "F2")} ms/step) |");
        Line();
        Line("## Results");
        Line();
        Line("| | tokens/s | ms per step | of the floor |");
        Line("|---|---:|---:|---:|");
        Row(md, "Decode, batch 1", r.Batch1, r, perSequenceStep: true);
        Row(md, $"Decode, batch {r.BatchN.Sequences} (aggregate)", r.BatchN, r, perSequenceStep: false);
        Line($"| Prefill, one {r.Prefill.Tokens}-token prompt (time to first token, best of 3) | {F(r.Prefill.TokensPerSecond)} | {F(r.Prefill.Window.TotalMilliseconds)} for the prompt | |");
        if (r.LibTorchBatch1 is { } t1) Row(md, "LibTorch alone (kernels off), decode batch 1", t1, r, perSequenceStep: true);
        if (r.LibTorchBatchN is { } tn) Row(md, $"LibTorch alone (kernels off), decode batch {tn.Sequences}", tn, r, perSequenceStep: false);
        Line();
        Line($"Target: batch-1 decode ≥ 70% of the floor: **{(r.RatioToFloor(r.Batch1) >= 0.7 ? "met" : "not met")}** ({Pct(r.RatioToFloor(r.Batch1))}).");
        Line($"The batch-{r.BatchN.Sequences} ratio is against the batch-1 floor: a batch step reads more experts ({F(r.BreakdownN.ExpertsPerLayer)} of {c.NumLocalExperts} per layer on average here) but serves {r.BatchN.Sequences} tokens.");
        Line();
        Line($"![decode tokens/s]({chartFile})");
        Line();
        Line("## Peers on the same model and machine type (measured earlier, 2 threads)");
        Line();
        Line("| Engine | batch 1 tokens/s | batch 8 tokens/s | note |");
        Line("|---|---:|---:|---|");
        Line($"| **this engine, f32 (this run)** | **{F(r.Batch1.TokensPerSecond)}** | **{(r.BatchN.Sequences == 8 ? F(r.BatchN.TokensPerSecond) : "—")}** | {Pct(r.RatioToFloor(r.Batch1))} of this run's floor |");
        foreach (var p in Peer.Mid)
            Line($"| {p.Name} | {(p.Batch1 is double b1 ? F(b1) : "—")} | {(p.Batch8 is double b8 ? F(b8) : "—")} | {p.Note} |");
        Line();
        Line("## Where the time of a decode step goes");
        Line();
        Line("Decode steps run straight on the model with the step profiler on (exclusive time per phase; sampling included).");
        Line();
        Line($"| Phase | batch 1: ms/step | share | batch {r.BreakdownN.Sequences}: ms/step | share |");
        Line("|---|---:|---:|---:|---:|");
        foreach (var phase in Enum.GetValues<StepPhase>())
        {
            double a = r.Breakdown1.PhasePerStep(phase).TotalMilliseconds, b = r.BreakdownN.PhasePerStep(phase).TotalMilliseconds;
            Line($"| {PhaseName(phase)} | {F(a, "F2")} | {Pct(a / r.Breakdown1.PerStep.TotalMilliseconds)} | {F(b, "F2")} | {Pct(b / r.BreakdownN.PerStep.TotalMilliseconds)} |");
        }
        Line($"| **Step** | **{F(r.Breakdown1.PerStep.TotalMilliseconds, "F2")}** | | **{F(r.BreakdownN.PerStep.TotalMilliseconds, "F2")}** | |");
        Line();
        Line(KernelsVersusOverhead(r));
        return md.ToString();
    }

    /// <summary>The batch-1 step split into weight streaming (the matrix products, at what bandwidth) and the rest.</summary>
    private static string KernelsVersusOverhead(DecodeResults r)
    {
        var b = r.Breakdown1;
        double matmulMs = (b.PhasePerStep(StepPhase.AttentionProjections) + b.PhasePerStep(StepPhase.Experts) + b.PhasePerStep(StepPhase.LmHead)).TotalMilliseconds;
        long matmulBytes = r.Bytes.Attention + r.Bytes.Experts + r.Bytes.LmHead;
        double streamGBps = matmulBytes / (matmulMs / 1000) / 1e9;
        double restMs = b.PerStep.TotalMilliseconds - matmulMs;
        string F(double v, string f = "F1") => v.ToString(f, Invariant);
        return $"**Kernels vs overhead (batch 1).** The weight matrix products (attention projections, experts, LM head: {MB(matmulBytes)}) take " +
            $"{F(matmulMs, "F2")} ms per step, i.e. they stream weights at {F(streamGBps)} GB/s, {F(100 * streamGBps / r.BandwidthGBps, "F0")}% of the measured read bandwidth. " +
            $"Everything else (norms, RoPE, attention over the cache, routing, gather/scatter, sampling, and the per-op cost of the LibTorch calls " +
            $"left on the path) takes {F(restMs, "F2")} ms per step, {F(100 * restMs / b.PerStep.TotalMilliseconds, "F0")}% of the step. " +
            $"The profiled step ({F(b.PerStep.TotalMilliseconds, "F2")} ms) runs without the engine; the engine's own per-step cost is the gap to the batch-1 row above.";
    }

    private static void Row(StringBuilder md, string name, Throughput t, DecodeResults r, bool perSequenceStep)
    {
        double stepMs = 1000.0 / t.TokensPerSecond * (perSequenceStep ? 1 : t.Sequences);
        md.Append(CultureInfo.InvariantCulture, $"| {name} | {t.TokensPerSecond:F1} | {stepMs:F2} | {r.RatioToFloor(t) * 100:F0}% |\n");
    }

    private static string PhaseName(StepPhase phase) => phase switch
    {
        StepPhase.NormsAndResiduals => "Embedding, norms, residual adds",
        StepPhase.AttentionProjections => "Attention projections (Q, K, V, O)",
        StepPhase.Attention => "Attention (RoPE, cache, scores, softmax)",
        StepPhase.Routing => "Routing (gate, softmax, top-k)",
        StepPhase.ExpertGatherScatter => "Expert gather / scatter",
        StepPhase.Experts => "Experts (W1·W3 + SwiGLU, W2)",
        StepPhase.LmHead => "LM head",
        StepPhase.Sampling => "Sampling",
        _ => "Other (batch set-up, bookkeeping)",
    };

    private static string MB(long bytes) => (bytes / 1e6).ToString("F1", Invariant) + " MB";
}
