using Mixtral.Model.Config;
using Mixtral.Model.Inference;

namespace Mixtral.Bench;

/// <summary>Decode steps on one layer at the real Mixtral-8x7B dimensions (the `mixtral-8x7b-layer` preset), per weight
/// format, from which a 32-layer step is estimated: 32 × (step − LM head − sampling) + LM head + sampling.</summary>
public sealed record RealLayerResults(string ModelPath, MixtralConfig Config, IReadOnlyList<RealLayerVariant> Variants)
{
    public const int RealLayers = 32;
}

/// <summary>One format on the real-size layer: the batch-1 and batch-N step breakdowns.</summary>
public sealed record RealLayerVariant(WeightVariant Variant, Breakdown Batch1, Breakdown BatchN)
{
    public static double LayerMs(Breakdown b) =>
        (b.PerStep - b.PhasePerStep(StepPhase.LmHead) - b.PhasePerStep(StepPhase.Sampling)).TotalMilliseconds;

    /// <summary>Estimated ms of one step of the 32-layer model on one machine.</summary>
    public static double ModelStepMs(Breakdown b) =>
        RealLayerResults.RealLayers * LayerMs(b) + (b.PhasePerStep(StepPhase.LmHead) + b.PhasePerStep(StepPhase.Sampling)).TotalMilliseconds;

    /// <summary>Expert ms per step for the whole 32-layer model: what the expert nodes together spend on one step.</summary>
    public static double ExpertMs(Breakdown b) => RealLayerResults.RealLayers * b.PhasePerStep(StepPhase.Experts).TotalMilliseconds;
}
