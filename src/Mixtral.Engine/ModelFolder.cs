using Mixtral.Model;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Tokenization;

namespace Mixtral.Engine;

/// <summary>
/// A Hugging Face Mixtral folder as published: config.json, tokenizer files, sharded safetensors. Opening it
/// reads only the small files; weights are loaded per tensor by whoever needs them.
/// </summary>
public sealed class ModelFolder
{
    private ModelFolder(string path, MixtralConfig config, MixtralTokenizer tokenizer)
    {
        Path = path;
        Config = config;
        Tokenizer = tokenizer;
    }

    public string Path { get; }
    public MixtralConfig Config { get; }
    public MixtralTokenizer Tokenizer { get; }

    public static ModelFolder Open(string path)
    {
        RequireFolder(path);
        var config = MixtralConfig.Load(System.IO.Path.Combine(path, "config.json"));
        var tokenizer = MixtralTokenizer.Load(path);
        if (tokenizer.VocabSize > config.VocabSize)
            throw new ModelFormatException(
                $"{path}: the tokenizer has {tokenizer.VocabSize} tokens but config.json's vocab_size is {config.VocabSize}");
        return new ModelFolder(System.IO.Path.GetFullPath(path), config, tokenizer);
    }

    /// <summary>Opens only config.json (planning and sizing need no tokenizer and no weights).</summary>
    public static MixtralConfig ReadConfig(string path)
    {
        RequireFolder(path);
        return MixtralConfig.Load(System.IO.Path.Combine(path, "config.json"));
    }

    /// <summary>A file given where a folder belongs (often a single .safetensors) deserves a different answer than a typo.</summary>
    private static void RequireFolder(string path)
    {
        if (File.Exists(path))
            throw new DirectoryNotFoundException(
                $"model folder {path} is a file, not a folder (give the folder holding config.json, tokenizer.model and the safetensors)");
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"model folder {path} does not exist");
    }

    public CheckpointReader OpenCheckpoint(IProgress<LoadProgress>? progress = null, IEnumerable<string>? tensors = null) =>
        CheckpointReader.Open(Path, progress, tensors);
}
