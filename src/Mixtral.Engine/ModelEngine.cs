using Mixtral.Model.Generation;
using Mixtral.Model.Inference;

namespace Mixtral.Engine;

/// <summary>A model folder loaded into a running continuous-batching engine (made by <see cref="EngineFactory"/>).</summary>
public sealed class ModelEngine : IAsyncDisposable
{
    internal ModelEngine(ModelFolder folder, MixtralModel model, InferenceEngine engine)
    {
        Folder = folder;
        Model = model;
        Engine = engine;
    }

    public ModelFolder Folder { get; }
    public MixtralModel Model { get; }
    public InferenceEngine Engine { get; }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
    }
}
