namespace Mixtral.Model.Kernels;

// Legend: KVH key/value heads, hd head dim, C cache capacity.

/// <summary>One sequence of a step as the attention kernel sees it: its new tokens' rows and its cache storage.</summary>
public readonly unsafe struct AttentionSequence(int firstRow, int length, int past, float* keys, float* values, int capacity)
{
    public int FirstRow { get; } = firstRow; // row of its first new token in q
    public int Length { get; } = length; // new tokens
    public int Past { get; } = past; // tokens already in the cache
    public float* Keys { get; } = keys; // [KVH, C, hd]
    public float* Values { get; } = values; // [KVH, C, hd]
    public int Capacity { get; } = capacity; // C
}
