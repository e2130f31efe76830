using Mixtral.Model.Config;

namespace Mixtral.Bench;

/// <summary>Everything one `decode` run measured, in one place for the report and the chart.</summary>
public sealed record DecodeResults(
    MachineInfo Machine,
    DateTimeOffset Date,
    string LoadBefore,
    string LoadAfter,
    int Threads,
    string ModelPath,
    MixtralConfig Config,
    string DType,
    double BandwidthGBps,
    DecodeBytes Bytes,
    Throughput Batch1,
    Throughput BatchN,
    Throughput Prefill,
    Throughput? LibTorchBatch1,
    Throughput? LibTorchBatchN,
    Breakdown Breakdown1,
    Breakdown BreakdownN)
{
    /// <summary>Batch-1 decode tokens/s if every step only streamed its weights at the measured bandwidth.</summary>
    public double FloorTokensPerSecond => BandwidthGBps * 1e9 / Bytes.Total;

    public double RatioToFloor(Throughput t) => t.TokensPerSecond / FloorTokensPerSecond;
}
