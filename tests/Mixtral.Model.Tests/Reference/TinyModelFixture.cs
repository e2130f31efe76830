using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Testing;

namespace Mixtral.Model.Tests.Reference;

/// <summary>The tiny fixture model loaded once (float32 on CPU) with its Hugging Face reference, shared by a collection.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Config = MixtralConfig.Load(Path.Combine(FixturePaths.TinyMixtral, "config.json"));
        using var reader = CheckpointReader.Open(FixturePaths.TinyMixtral);
        Model = MixtralModel.Load(reader, Config, new ModelOptions());
        Reference = new HfReference();
    }

    public MixtralConfig Config { get; }
    public MixtralModel Model { get; }
    public HfReference Reference { get; }

    public void Dispose()
    {
        Model.Dispose();
        Reference.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedTinyModel : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "tiny model";
}
