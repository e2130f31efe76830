using Mixtral.Model.Config;

namespace Mixtral.Bench;

/// <summary>
/// The memory-bandwidth floor for a decode step of B sequences: the step reads the shared weights (attention, router,
/// norms, LM head: <see cref="DecodeBytes"/> less its experts) once, and per layer every expert any of its B tokens
/// chose. With top-k routing spread evenly over E experts that is E·(1 − (1 − k/E)^B) experts per layer (2 at B = 1, all
/// 8 from B ≈ 16 on Mixtral's 8 choose 2). The floor is B tokens per (those bytes / measured read bandwidth).
/// </summary>
public sealed record BatchFloor(DecodeBytes Single, MixtralConfig Config)
{
    public long ExpertBytesPerLayer => Single.Experts / Config.NumHiddenLayers / Config.NumExpertsPerTok;

    public double ExpectedExpertsPerLayer(int batch) =>
        Config.NumLocalExperts * (1 - Math.Pow(1 - (double)Config.NumExpertsPerTok / Config.NumLocalExperts, batch));

    /// <summary>What every step reads whatever its tokens chose: attention, routers, norms, the LM head, an embedding row.</summary>
    public long SharedBytes => Single.Total - Single.Experts;

    public double StepBytes(int batch) =>
        SharedBytes + Config.NumHiddenLayers * ExpectedExpertsPerLayer(batch) * ExpertBytesPerLayer;

    public double TokensPerSecond(int batch, double bandwidthGBps) => batch * bandwidthGBps * 1e9 / StepBytes(batch);
}
