using System.Globalization;
using TorchSharp;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// Writes a model folder's weights as Hugging Face <c>save_pretrained</c> does: shards
/// <c>model-0000N-of-0000M.safetensors</c> filled in the order tensors arrive, cut before a tensor that would
/// take a shard past the maximum, plus <c>model.safetensors.index.json</c>; a single shard is written as
/// <c>model.safetensors</c> with no index. Tensors are taken one at a time and not held (streaming), so the
/// whole model is never in memory. M is known only at the end: shards are written under temporary names and
/// renamed by <see cref="Complete"/>; disposing without completing deletes them.
/// </summary>
public sealed class ShardedCheckpointWriter : IDisposable
{
    /// <summary>save_pretrained's default max_shard_size, "5GB".</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    private static readonly Dictionary<string, string> ShardMetadata = new() { ["format"] = "pt" };

    private readonly string _directory;
    private readonly long _maxShardBytes;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<(string TempPath, List<string> Names)> _shards = [];
    private SafetensorsFileBuilder? _current;
    private int _spills;
    private long _totalBytes;
    private bool _completed;

    public ShardedCheckpointWriter(string directory, long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        Directory.CreateDirectory(directory);
        _directory = directory;
        _maxShardBytes = maxShardBytes;
    }

    public void Add(string name, torch.Tensor tensor)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (!_names.Add(name))
            throw new ArgumentException($"tensor '{name}' is written twice", nameof(name));
        long bytes = TensorMemory.ByteLength(tensor);
        if (bytes > _maxShardBytes)
        {
            // save_pretrained gives a tensor larger than a shard a shard of its own, numbered before the shard being filled.
            using var alone = NewBuilder();
            alone.Add(name, tensor);
            Close(alone);
        }
        else
        {
            if (_current is not null && _current.DataBytes + bytes > _maxShardBytes)
                CloseCurrent();
            _current ??= NewBuilder();
            _current.Add(name, tensor);
        }
        _totalBytes += bytes;
    }

    /// <summary>Writes the last shard, gives every shard its final name, writes the index; returns the files written.</summary>
    public IReadOnlyList<string> Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_current is not null) CloseCurrent();
        if (_shards.Count == 0)
            throw new InvalidOperationException("no tensors were added");
        _completed = true;

        string index = Path.Combine(_directory, CheckpointIndex.FileName);
        if (_shards.Count == 1)
        {
            string single = Path.Combine(_directory, CheckpointReader.SingleFileName);
            File.Move(_shards[0].TempPath, single, overwrite: true);
            File.Delete(index); // weights of an earlier save must not be mistaken for these
            return [single];
        }

        var written = new List<string>();
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < _shards.Count; i++)
        {
            string name = string.Format(CultureInfo.InvariantCulture, "model-{0:D5}-of-{1:D5}.safetensors", i + 1, _shards.Count);
            File.Move(_shards[i].TempPath, Path.Combine(_directory, name), overwrite: true);
            written.Add(Path.Combine(_directory, name));
            foreach (var tensor in _shards[i].Names) weightMap[tensor] = name;
        }
        CheckpointIndex.Write(index + ".tmp", weightMap, _totalBytes);
        File.Move(index + ".tmp", index, overwrite: true);
        File.Delete(Path.Combine(_directory, CheckpointReader.SingleFileName)); // it would shadow the index
        written.Add(index);
        return written;
    }

    public void Dispose()
    {
        _current?.Dispose();
        _current = null;
        if (_completed) return;
        foreach (var (tempPath, _) in _shards) File.Delete(tempPath);
        _shards.Clear();
        _completed = true;
    }

    private SafetensorsFileBuilder NewBuilder() =>
        new(Path.Combine(_directory, $".spill-{_spills++}.tmp"));

    private void CloseCurrent()
    {
        Close(_current!);
        _current!.Dispose();
        _current = null;
    }

    private void Close(SafetensorsFileBuilder builder)
    {
        string tempPath = Path.Combine(_directory, $".shard-{_shards.Count + 1}.safetensors.tmp");
        builder.WriteTo(tempPath, ShardMetadata);
        _shards.Add((tempPath, builder.Names.ToList()));
    }
}
