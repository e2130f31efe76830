using Mixtral.Model.Quantization;

namespace Mixtral.Bench;

/// <summary>What one weight format measured: decode at batch 1 and N, prefill, the step breakdowns, and (quantized
/// formats) how closely it follows float32 weights.</summary>
public sealed record VariantResults(
    string Name,
    DecodeBytes Bytes,
    Throughput Batch1,
    Throughput BatchN,
    Throughput Prefill,
    Breakdown Breakdown1,
    Breakdown BreakdownN,
    FidelityReport? Fidelity = null,
    IReadOnlyList<RunAtBandwidth>? Batch1Runs = null);
