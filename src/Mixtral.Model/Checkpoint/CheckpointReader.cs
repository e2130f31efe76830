using TorchSharp;
using Mixtral.Model.Config;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// A Hugging Face model folder's weights: sharded (<c>model.safetensors.index.json</c> + shards) or one
/// <c>model.safetensors</c>. Loading is per tensor and shards are opened lazily, when a tensor in them is first
/// described or loaded, so a node that owns a few experts opens and reads only what holds them. It keeps count
/// of what it read (<see cref="BytesRead"/>, <see cref="TensorsRead"/>, <see cref="FilesOpened"/>) so tests and
/// logs can prove it. Safe to use from several threads.
/// </summary>
public sealed class CheckpointReader : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = CheckpointIndex.FileName;

    private readonly string _source;
    private readonly Dictionary<string, string> _shardOf;
    private readonly ILookup<string, string> _tensorsOfShard;
    private readonly IProgress<LoadProgress>? _progress;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);
    private readonly List<string> _filesOpened = [];
    private readonly List<string> _tensorsRead = [];
    private long _bytesRead;
    private long _bytesTotal;
    private int _tensorsTotal;

    private CheckpointReader(string source, Dictionary<string, string> shardOf, IProgress<LoadProgress>? progress)
    {
        _source = source;
        _shardOf = shardOf;
        _tensorsOfShard = shardOf.ToLookup(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
        _progress = progress;
    }

    public IReadOnlyCollection<string> TensorNames => _shardOf.Keys;
    public long BytesRead { get { lock (_gate) return _bytesRead; } }
    /// <summary>Every tensor loaded so far, in order (a tensor loaded twice appears twice).</summary>
    public IReadOnlyCollection<string> TensorsRead { get { lock (_gate) return [.. _tensorsRead]; } }
    /// <summary>The full paths of the files opened so far, in order.</summary>
    public IReadOnlyCollection<string> FilesOpened { get { lock (_gate) return [.. _filesOpened]; } }

    /// <param name="modelDir">The model folder.</param>
    /// <param name="progress">Told after every tensor loaded.</param>
    /// <param name="expectedTensors">
    /// The tensors this process will load (a node: its experts); progress totals count only these, whose shards
    /// are opened now to size them. Null: the whole checkpoint.
    /// </param>
    public static CheckpointReader Open(string modelDir, IProgress<LoadProgress>? progress = null, IEnumerable<string>? expectedTensors = null)
    {
        string index = Path.Combine(modelDir, IndexFileName);
        string single = Path.Combine(modelDir, SingleFileName);
        // from_pretrained's order: a single model.safetensors is preferred over an index.
        var (reader, declaredTotal) =
            File.Exists(single) ? (FromSingleFile(single, progress), null)
            : File.Exists(index) ? FromIndex(modelDir, index, progress)
            : throw new ModelFormatException($"{modelDir}: no {IndexFileName} or {SingleFileName} in the model folder");
        try
        {
            reader.SetTotals(expectedTensors, declaredTotal);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _shardOf.ContainsKey(name);

    /// <summary>The tensor's dtype, shape and place on disk. Opens its shard if it is not open yet.</summary>
    public TensorEntry Describe(string name)
    {
        if (!_shardOf.TryGetValue(name, out var shard))
            throw new ModelFormatException($"{_source}: the checkpoint has no tensor '{name}'");
        return OpenShard(shard).Tensors[name];
    }

    /// <summary>
    /// Loads one weight into CPU memory as <paramref name="dtype"/>, after checking that the checkpoint holds it
    /// with the shape the config expects, in a weight dtype (F32, F16, BF16).
    /// </summary>
    public torch.Tensor Load(TensorSpec expected, torch.ScalarType dtype)
    {
        var entry = Describe(expected.Name);
        if (!entry.Shape.SequenceEqual(expected.Shape))
            throw new ModelFormatException(
                $"{entry.FilePath}: tensor '{entry.Name}' has shape {entry.ShapeText} but the config expects {expected.ShapeText}");
        if (!SafetensorsDTypes.WeightDTypes.Contains(entry.DType))
            throw new ModelFormatException(
                $"{entry.FilePath}: tensor '{entry.Name}': unsupported dtype {entry.DType} for a model weight (F32, F16 or BF16)");

        var tensor = OpenShard(entry.FilePath).Read(entry.Name, dtype);
        LoadProgress report;
        lock (_gate)
        {
            _bytesRead += entry.ByteLength;
            _tensorsRead.Add(entry.Name);
            report = new LoadProgress(_bytesRead, _bytesTotal, _tensorsRead.Count, _tensorsTotal, entry.Name);
        }
        _progress?.Report(report);
        return tensor;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var file in _open.Values) file.Dispose();
            _open.Clear();
        }
    }

    private static CheckpointReader FromSingleFile(string path, IProgress<LoadProgress>? progress)
    {
        var file = SafetensorsFile.Open(path);
        var reader = new CheckpointReader(path, file.Tensors.Keys.ToDictionary(n => n, _ => path, StringComparer.Ordinal), progress);
        reader.Adopt(file);
        return reader;
    }

    private static (CheckpointReader Reader, long? DeclaredTotal) FromIndex(string modelDir, string index, IProgress<LoadProgress>? progress)
    {
        var parsed = CheckpointIndex.Load(index);
        foreach (var shard in parsed.WeightMap.GroupBy(kv => kv.Value, StringComparer.Ordinal))
            if (!File.Exists(Path.Combine(modelDir, shard.Key)))
                throw new ModelFormatException(
                    $"{index}: weight_map puts tensor '{shard.First().Key}' in {shard.Key}, but {Path.Combine(modelDir, shard.Key)} does not exist");
        var shardOf = parsed.WeightMap.ToDictionary(kv => kv.Key, kv => Path.Combine(modelDir, kv.Value), StringComparer.Ordinal);
        return (new CheckpointReader(index, shardOf, progress), parsed.TotalSize);
    }

    private void SetTotals(IEnumerable<string>? expectedTensors, long? declaredTotal)
    {
        var names = expectedTensors?.Distinct(StringComparer.Ordinal).ToList();
        _tensorsTotal = names?.Count ?? _shardOf.Count;
        _bytesTotal = names is null && declaredTotal is { } total
            ? total
            : (names ?? (IEnumerable<string>)_shardOf.Keys).Sum(name => Describe(name).ByteLength);
    }

    private SafetensorsFile OpenShard(string path)
    {
        lock (_gate)
        {
            if (_open.TryGetValue(path, out var open)) return open;
            var file = SafetensorsFile.Open(path);
            var missing = _tensorsOfShard[path].FirstOrDefault(name => !file.Tensors.ContainsKey(name));
            if (missing is not null)
            {
                file.Dispose();
                throw new ModelFormatException($"{path}: tensor '{missing}' is missing, though {_source} puts it in this file");
            }
            Adopt(file);
            return file;
        }
    }

    /// <summary>Caller holds <see cref="_gate"/>, or is <see cref="Open"/> with the reader not yet shared.</summary>
    private void Adopt(SafetensorsFile file)
    {
        _open.Add(file.Path, file);
        _filesOpened.Add(file.Path);
    }
}
