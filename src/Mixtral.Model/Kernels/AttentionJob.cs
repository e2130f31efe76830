using System.Runtime.CompilerServices;
namespace Mixtral.Model.Kernels;

// Legend: N tokens in the step, H query heads, KVH key/value heads, G = H / KVH, hd head dim, C cache capacity.

/// <summary>
/// Attention for every new token of the given sequences and every query head, one (token, head) pair per chunk, so the
/// heads of a single decode token already spread over the kernel threads. q and output are [N, H·hd] (rows of sequences
/// not given are left alone); each sequence's keys and values are [KVH, C, hd] with its new tokens already written.
/// </summary>
internal sealed unsafe class AttentionJob : ParallelJob
{
    private readonly float* _q, _output;
    private readonly AttentionSequence[] _sequences;
    private readonly int[] _rows; // the rows of q to attend, in order
    private readonly int[] _sequenceOfRow; // per entry of _rows
    private readonly int _heads, _groups, _hd, _window;
    private readonly float _scale;

    public AttentionJob(float* q, float* output, AttentionSequence[] sequences, int heads, int kvHeads, int hd, float scale, int window)
        : base(sequences.Sum(s => s.Length) * heads)
    {
        _q = q;
        _output = output;
        _sequences = sequences;
        _rows = new int[ChunkCount / heads];
        _sequenceOfRow = new int[_rows.Length];
        for (int s = 0, at = 0; s < sequences.Length; at += sequences[s].Length, s++)
            for (int i = 0; i < sequences[s].Length; i++)
                (_rows[at + i], _sequenceOfRow[at + i]) = (sequences[s].FirstRow + i, s);
        (_heads, _groups, _hd, _window, _scale) = (heads, heads / kvHeads, hd, window, scale);
    }

    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk)
    {
        int entry = chunk / _heads, h = chunk % _heads, row = _rows[entry];
        var s = _sequences[_sequenceOfRow[entry]];
        long kv = (long)(h / _groups) * s.Capacity * _hd; // query head h reads key/value head h / G
        long at = ((long)row * _heads + h) * _hd;
        AttentionKernel.AttendOne(_q + at, s.Keys + kv, s.Values + kv, _output + at, s.Past + row - s.FirstRow, _hd, _scale, _window);
    }
}
