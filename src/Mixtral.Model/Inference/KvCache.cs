using Mixtral.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Inference;

/// <summary>
/// The key/value cache of ONE sequence, all layers. Keys and values are kept as [KVH, capacity, hd] per layer
/// so attention reads a [KVH, S, hd] view without copying; capacity doubles when full. One cache per
/// sequence is what lets sequences of different lengths share a batch without padding.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly int _maxLength;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private int _capacity;

    public KvCache(MixtralConfig config, Device device, ScalarType dtype, int initialCapacity = 64)
    {
        _keys = new Tensor?[config.NumHiddenLayers];
        _values = new Tensor?[config.NumHiddenLayers];
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _maxLength = config.MaxPositionEmbeddings;
        _device = device;
        _dtype = dtype;
        _capacity = Math.Max(1, initialCapacity);
    }

    /// <summary>Tokens whose keys and values are committed; the next token's position.</summary>
    public int Length { get; private set; }

    /// <summary>
    /// Writes the keys/values of new tokens for one layer after the committed ones and returns views of the
    /// whole cache for that layer, [KVH, Length + count, hd] each. Nothing counts until <see cref="Commit"/>:
    /// a forward pass that fails half-way leaves the cache as it was, so the step can be retried.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues) // new*: [count, KVH, hd]
    {
        int count = (int)newKeys.shape[0];
        int total = Length + count;
        Reserve(layer, count);
        var keys = _keys[layer]!;
        var values = _values[layer]!;
        keys[.., Length..total].copy_(newKeys.transpose(0, 1)); // [KVH, count, hd]
        values[.., Length..total].copy_(newValues.transpose(0, 1));
        return (keys[.., ..total], values[.., ..total]);
    }

    /// <summary>
    /// Makes room for <paramref name="count"/> new tokens of one layer and returns that layer's whole storage,
    /// [KVH, capacity, hd] each, for a kernel to write positions Length..Length + count − 1 in place (and read
    /// 0..Length + count − 1). Like <see cref="Append"/>, nothing counts until <see cref="Commit"/>.
    /// </summary>
    public (Tensor Keys, Tensor Values) Reserve(int layer, int count)
    {
        int total = Length + count;
        if (total > _maxLength)
            throw new InvalidOperationException(
                $"sequence of {total} tokens exceeds max_position_embeddings {_maxLength}");
        EnsureCapacity(layer, total);
        return (_keys[layer]!, _values[layer]!);
    }

    /// <summary>Makes the tokens written by the last forward pass part of the sequence.</summary>
    public void Commit(int count)
    {
        if (count < 0 || Length + count > _capacity)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot commit {count} tokens onto {Length} (capacity {_capacity})");
        Length += count;
    }

    private void EnsureCapacity(int layer, int needed)
    {
        if (needed > _capacity)
        {
            int grown = _capacity;
            while (grown < needed) grown *= 2;
            _capacity = Math.Min(grown, Math.Max(needed, _maxLength));
        }
        var existing = _keys[layer];
        if (existing is not null && existing.shape[1] >= needed) return;
        _keys[layer] = Grow(existing, Length);
        _values[layer] = Grow(_values[layer], Length);
    }

    private Tensor Grow(Tensor? old, int keep)
    {
        // Grown inside a forward pass's dispose scope, but owned by the cache: detach it from the scope.
        var fresh = zeros([_kvHeads, _capacity, _headDim], dtype: _dtype, device: _device).DetachFromDisposeScope();
        if (old is not null)
        {
            if (keep > 0) fresh[.., ..keep].copy_(old[.., ..keep]);
            old.Dispose();
        }
        return fresh;
    }

    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
    }
}
