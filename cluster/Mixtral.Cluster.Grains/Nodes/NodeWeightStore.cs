using Microsoft.Extensions.Logging;
using Mixtral.Cluster.Contracts.Experts;
using Mixtral.Cluster.Contracts.Placement;
using Mixtral.Cluster.Grains.Nodes;
using Mixtral.Cluster.Placement;
using Mixtral.Cluster.Placement.Sizing;
using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Experts;
using Mixtral.Model.Generation;
using Mixtral.Model.Inference;
using Mixtral.Engine;

namespace Mixtral.Cluster.Grains.Nodes;

/// <summary>
/// Everything this node holds from its checkpoint, and the account of it: the experts loaded (three tensors
/// each, read straight from the shards), the shared weights when this node is the coordinator, and exactly
/// which tensors and bytes were read. An expert node never opens a tensor it does not own.
/// </summary>
public sealed partial class NodeWeightStore : IDisposable
{
    private readonly NodeSettings _settings;
    private readonly ILogger<NodeWeightStore> _logger;
    private readonly Lazy<ModelFolder> _folder;
    private readonly Lazy<CheckpointReader> _reader;
    private readonly Dictionary<ExpertKey, ExpertWeights> _experts = [];
    private readonly Lock _gate = new();
    private long _sharedBytes;
    private long _computeTicks, _computeCalls;

    /// <summary>Counts one expert call's compute (wire decode, SwiGLU, wire encode) on this node.</summary>
    public void RecordCompute(TimeSpan elapsed)
    {
        Interlocked.Add(ref _computeTicks, elapsed.Ticks);
        Interlocked.Increment(ref _computeCalls);
    }

    public NodeWeightStore(NodeSettings settings, ILogger<NodeWeightStore> logger)
    {
        _settings = settings;
        _logger = logger;
        _folder = new(() => ModelFolder.Open(settings.ModelPath));
        _reader = new(() => CheckpointReader.Open(settings.ModelPath));
    }

    public ModelFolder Folder => _folder.Value;
    public MixtralConfig Config => Folder.Config;
    public string Fingerprint => ModelFingerprint.Identify(Config).Fingerprint;

    /// <summary>Loads the three tensors of one expert (once) and accounts their bytes. Copies of the same (layer, expert) on
    /// this node share one set of weights (a live plan change that keeps an expert here warms its new copy for free).</summary>
    public ExpertWeights LoadExpert(ExpertKey key)
    {
        lock (_gate)
        {
            if (_experts.TryGetValue(key, out var loaded)) return loaded;
            foreach (var (other, shared) in _experts)
                if (other.Layer == key.Layer && other.Expert == key.Expert) return _experts[key] = shared;
            var loader = new WeightLoader(_reader.Value, _settings.Compute.DType, _settings.Compute.Device, _settings.Compute.MatrixDType);
            var weights = ExpertWeights.Load(loader, Config, key.Layer, key.Expert, _settings.Compute.ExpertFormat, _settings.Compute.QuantizedCacheDirectory);
            _experts[key] = weights;
            LogExpertLoaded(key, weights.ResidentBytes);
            return weights;
        }
    }

    /// <summary>Runs <paramref name="use"/> over expert <paramref name="key"/>'s weights when they are loaded on this node,
    /// under the store's lock so that a copy retired meanwhile is not freed under it; null when they are not loaded.</summary>
    public T? WithLoadedExpert<T>(ExpertKey key, Func<ExpertWeights, T> use) where T : class
    {
        lock (_gate)
            return _experts.TryGetValue(key, out var weights) ? use(weights) : null;
    }

    public void ReleaseExpert(ExpertKey key)
    {
        lock (_gate)
        {
            if (_experts.Remove(key, out var weights) && !_experts.ContainsValue(weights)) weights.Dispose();
        }
    }

    /// <summary>The coordinator's engine, built by the one engine factory from this store's reader (so the shared
    /// weights it reads are accounted too) with <paramref name="experts"/> in place of local experts.</summary>
    public ModelEngine CreateCoordinatorEngine(IExpertBackend experts, EngineOptions engine)
    {
        lock (_gate)
        {
            long before = _reader.Value.BytesRead;
            var created = EngineFactory.Create(Folder, _reader.Value, _settings.Compute, engine, experts);
            _sharedBytes = SharedBytes(Config, _settings.Compute);
            LogSharedLoaded(_sharedBytes, _reader.Value.BytesRead - before);
            return created;
        }
    }

    public NodeAccount Account()
    {
        lock (_gate)
        {
            bool opened = _reader.IsValueCreated;
            return new NodeAccount(
                [.. _experts.Keys.OrderBy(k => k.Layer).ThenBy(k => k.Expert).ThenBy(k => k.Replica)],
                _experts.Values.Distinct().Sum(e => e.ResidentBytes),
                _sharedBytes,
                opened ? [.. _reader.Value.TensorsRead.Order(StringComparer.Ordinal)] : [],
                opened ? _reader.Value.BytesRead : 0,
                Interlocked.Read(ref _computeCalls),
                TimeSpan.FromTicks(Interlocked.Read(ref _computeTicks)));
        }
    }

    /// <summary>Norms and embeddings in the compute dtype, weight matrices (attention, routers, LM head) in the matrix dtype:
    /// the plan's own sizing rule, given this node's two precisions.</summary>
    private static long SharedBytes(MixtralConfig config, ModelOptions compute) =>
        new ModelSizing(config, ModelOptions.PrecisionOf(compute.MatrixDType), ModelOptions.PrecisionOf(compute.DType)).SharedBytes;

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var e in _experts.Values.Distinct()) e.Dispose();
            _experts.Clear();
            if (_reader.IsValueCreated) _reader.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded expert {Expert}: {Bytes} bytes resident")]
    private partial void LogExpertLoaded(ExpertKey expert, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "loaded the shared weights: {Bytes} bytes resident, {Read} bytes read")]
    private partial void LogSharedLoaded(long bytes, long read);
}

/// <summary>What a node holds and read: the experts (grain keys), resident bytes, and the checkpoint tensors it opened.</summary>
public sealed record NodeAccount(IReadOnlyList<ExpertKey> Experts, long ExpertBytes, long SharedBytes, IReadOnlyList<string> TensorsRead, long BytesRead,
    long ExpertCalls, TimeSpan ExpertCompute);
