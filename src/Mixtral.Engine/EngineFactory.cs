using Mixtral.Model.Checkpoint;
using Mixtral.Model.Experts;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;

namespace Mixtral.Engine;

/// <summary>
/// The one way an engine is built. The single-process engine and the cluster's coordinator both come from here and
/// differ only in the expert backend they pass: none (every expert loaded into this process from the checkpoint) or
/// the coordinator's remote one. The engine's limits (batch size, prefill budget, admission queue) come from the
/// caller's configuration in both cases.
/// </summary>
public static class EngineFactory
{
    /// <summary>Loads the model from <paramref name="reader"/> (the shared weights, and the experts when
    /// <paramref name="experts"/> is null) and starts an engine over it with the folder's tokenizer.</summary>
    public static ModelEngine Create(ModelFolder folder, CheckpointReader reader, ModelOptions model, EngineOptions engine, IExpertBackend? experts = null)
    {
        CheckpointCoverage.Check(reader.TensorNames, folder.Config, folder.Path);
        var loaded = MixtralModel.Load(reader, folder.Config, model, experts);
        try
        {
            var tokenizer = folder.Tokenizer;
            return new ModelEngine(folder, loaded, new InferenceEngine(loaded, () => new TokenizerTextDecoder(tokenizer.CreateStreamingDecoder()), engine));
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>The single-process engine: the whole folder in this process.</summary>
    public static ModelEngine Load(ModelFolder folder, ModelOptions model, EngineOptions engine, IProgress<LoadProgress>? progress = null)
    {
        using var reader = folder.OpenCheckpoint(progress);
        return Create(folder, reader, model, engine);
    }
}
