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
    BandwidthSamples Bandwidth,
    IReadOnlyList<VariantResults> Variants,
    Throughput LibTorchBatch1,
    Throughput LibTorchBatchN,
    RealLayerResults? RealLayer)
{
    /// <summary>The first variant measured: float32 weights, the reference of every other.</summary>
    public VariantResults Float32 => Variants[0];

    /// <summary>The best read bandwidth sampled during the run.</summary>
    public double BandwidthGBps => Bandwidth.Best;

    /// <summary>Batch-1 decode tokens/s if every step only streamed its weights at the best measured bandwidth.</summary>
    public double FloorTokensPerSecond(DecodeBytes bytes) => BandwidthGBps * 1e9 / bytes.Total;

    /// <summary>tokens/s over the batch-1 floor of the given weight format.</summary>
    public double RatioToFloor(Throughput t, DecodeBytes bytes) => t.TokensPerSecond / FloorTokensPerSecond(bytes);
}
