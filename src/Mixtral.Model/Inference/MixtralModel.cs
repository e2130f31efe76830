using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Experts;
using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Inference;

// Legend: N tokens in the step, D hidden, V vocabulary, R rows that get logits.

/// <summary>
/// The Mixtral forward pass: embeddings → decoder layers → final norm → LM head. Holds the shared weights;
/// the experts are behind the <see cref="IExpertBackend"/> it is given, so the same object serves the
/// single-process engine and the cluster's coordinator.
/// </summary>
public sealed class MixtralModel : IDisposable
{
    private readonly Tensor _embeddings; // [V, D]
    private readonly DecoderLayer[] _layers;
    private readonly RmsNorm _finalNorm;
    private readonly Linear _lmHead;
    private readonly RotaryEmbedding _rope;

    private MixtralModel(MixtralConfig config, ModelOptions options, IExpertBackend experts, Tensor embeddings,
        DecoderLayer[] layers, RmsNorm finalNorm, Linear lmHead, RotaryEmbedding rope)
    {
        Config = config;
        Options = options;
        Experts = experts;
        _embeddings = embeddings;
        _layers = layers;
        _finalNorm = finalNorm;
        _lmHead = lmHead;
        _rope = rope;
    }

    public MixtralConfig Config { get; }
    public ModelOptions Options { get; }
    public IExpertBackend Experts { get; }

    /// <summary>A fresh, empty cache for one new sequence.</summary>
    public KvCache NewCache() => new(Config, Options.Device, Options.DType);

    /// <summary>
    /// Runs one step: appends the batch's tokens to their sequences' caches and returns logits for the rows the
    /// batch asks for, [R, V] float32. The caches are committed only when the whole pass succeeds.
    /// </summary>
    public async Task<Tensor> ForwardAsync(TokenBatch batch, IForwardObserver? observer = null, CancellationToken cancellationToken = default)
    {
        ValidateTokens(batch);
        using var positions = tensor(batch.FlatPositions(), device: Options.Device); // [N]
        Tensor x;
        using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
            x = Embed(batch.FlatTokenIds()); // [N, D]
        for (int l = 0; l < _layers.Length; l++)
        {
            var next = await _layers[l].ForwardAsync(x, batch, positions, observer, cancellationToken).ConfigureAwait(false);
            x.Dispose();
            x = next;
        }
        using (x)
        {
            foreach (var chunk in batch.Chunks) chunk.Cache.Commit(chunk.TokenIds.Count);
            Tensor hidden;
            using (StepProfiler.Enter(StepPhase.NormsAndResiduals))
                hidden = _finalNorm.Forward(x); // [N, D]
            using (hidden)
            {
                observer?.OnFinalHidden(hidden); // outside any dispose scope, so what the observer keeps stays alive
                using var section = StepProfiler.Enter(StepPhase.LmHead);
                using var scope = NewDisposeScope();
                var rows = batch.LogitRows == LogitRows.All || batch.TokenCount == batch.Chunks.Count // every row is asked for
                    ? hidden
                    : hidden.index_select(0, tensor(batch.LogitRowIndices(), device: Options.Device)); // [R, D]
                return _lmHead.Forward(rows).to(ScalarType.Float32).MoveToOuterDisposeScope(); // [R, V]
            }
        }
    }

    /// <summary>The embedding rows of the ids, [N, D]; on CPU copied straight from the table's memory.</summary>
    private unsafe Tensor Embed(long[] ids)
    {
        if (!CpuKernels.Handles(_embeddings))
        {
            using var index = tensor(ids, device: Options.Device); // [N]
            return _embeddings.index_select(0, index);
        }
        int d = Config.HiddenSize;
        var x = empty([ids.Length, d], ScalarType.Float32);
        float* table = CpuKernels.Pointer(_embeddings), rows = CpuKernels.Pointer(x);
        for (int i = 0; i < ids.Length; i++)
            new ReadOnlySpan<float>(table + ids[i] * d, d).CopyTo(new Span<float>(rows + (long)i * d, d));
        return x;
    }

    private void ValidateTokens(TokenBatch batch)
    {
        foreach (var chunk in batch.Chunks)
            foreach (int id in chunk.TokenIds)
                if (id < 0 || id >= Config.VocabSize)
                    throw new ArgumentOutOfRangeException(nameof(batch), $"token id {id} is outside the vocabulary (0..{Config.VocabSize - 1})");
    }

    /// <summary>
    /// Loads the shared weights (embeddings, attention, routers, norms, LM head) from a checkpoint. The experts
    /// come from <paramref name="experts"/>; pass null to load them all here (the single-process engine).
    /// </summary>
    public static MixtralModel Load(CheckpointReader reader, MixtralConfig config, ModelOptions options, IExpertBackend? experts = null)
    {
        var loader = new WeightLoader(reader, options.DType, options.Device, options.MatrixDType);
        experts ??= LocalExpertBackend.Load(loader, config, options.ExpertFormat, options.QuantizedCacheDirectory);
        var rope = new RotaryEmbedding(config.HeadDim, config.RopeTheta, options.Device);
        var embeddings = loader.Load(TensorNames.Embeddings, config.VocabSize, config.HiddenSize);
        var layers = new DecoderLayer[config.NumHiddenLayers];
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            var attention = new AttentionWeights(
                new Linear(loader.LoadMatrix(TensorNames.QProj(l), config.QueryWidth, config.HiddenSize)),
                new Linear(loader.LoadMatrix(TensorNames.KProj(l), config.KeyValueWidth, config.HiddenSize)),
                new Linear(loader.LoadMatrix(TensorNames.VProj(l), config.KeyValueWidth, config.HiddenSize)),
                new Linear(loader.LoadMatrix(TensorNames.OProj(l), config.HiddenSize, config.QueryWidth)));
            var router = new Router(new Linear(loader.LoadMatrix(TensorNames.Router(l), config.NumLocalExperts, config.HiddenSize)), config.NumExpertsPerTok);
            layers[l] = new DecoderLayer(
                new RmsNorm(loader.Load(TensorNames.InputNorm(l), config.HiddenSize), config.RmsNormEps),
                new Attention(l, attention, config, rope),
                new RmsNorm(loader.Load(TensorNames.PostAttentionNorm(l), config.HiddenSize), config.RmsNormEps),
                new MoeBlock(l, router, experts, config.NumLocalExperts));
        }
        var finalNorm = new RmsNorm(loader.Load(TensorNames.FinalNorm, config.HiddenSize), config.RmsNormEps);
        var lmHead = config.TieWordEmbeddings
            ? new Linear(embeddings.alias())
            : new Linear(loader.LoadMatrix(TensorNames.LmHead, config.VocabSize, config.HiddenSize));
        return new MixtralModel(config, options, experts, embeddings, layers, finalNorm, lmHead, rope);
    }

    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
        _finalNorm.Dispose();
        _lmHead.Dispose();
        _embeddings.Dispose();
        _rope.Dispose();
        Experts.Dispose();
    }
}
