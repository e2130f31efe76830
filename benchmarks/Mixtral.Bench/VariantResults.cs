namespace Mixtral.Bench;

/// <summary>What one weight format measured: decode at batch 1 and N, prefill, and the step breakdowns.</summary>
public sealed record VariantResults(
    string Name,
    DecodeBytes Bytes,
    Throughput Batch1,
    Throughput BatchN,
    Throughput Prefill,
    Breakdown Breakdown1,
    Breakdown BreakdownN);
