using Mixtral.Model.Checkpoint;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;

namespace Mixtral.Engine;

/// <summary>The single-process engine: a whole model folder loaded into this process.</summary>
public sealed class LocalEngine : IAsyncDisposable
{
    private LocalEngine(ModelFolder folder, MixtralModel model, InferenceEngine engine)
    {
        Folder = folder;
        Model = model;
        Engine = engine;
    }

    public ModelFolder Folder { get; }
    public MixtralModel Model { get; }
    public InferenceEngine Engine { get; }

    public static LocalEngine Load(ModelFolder folder, ModelOptions options, EngineOptions? engineOptions = null, IProgress<LoadProgress>? progress = null)
    {
        using var reader = folder.OpenCheckpoint(progress);
        var model = MixtralModel.Load(reader, folder.Config, options);
        var engine = new InferenceEngine(model, () => new TokenizerTextDecoder(folder.Tokenizer.CreateStreamingDecoder()), engineOptions);
        return new LocalEngine(folder, model, engine);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
    }
}
