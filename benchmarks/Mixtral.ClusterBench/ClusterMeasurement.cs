namespace Mixtral.ClusterBench;

/// <summary>One batch size through the cluster: decode speed plus what the coordinator saw on the wire.</summary>
public sealed record ClusterMeasurement(
    DecodeMeasurement Decode,
    double WireBytesPerTokenPerLayer,
    double FanOutP50Ms,
    double FanOutP99Ms,
    double FanOutShareOfStep,
    double ExpertCallsPerFanOut,
    double ExpertComputeMsPerFanOut);
