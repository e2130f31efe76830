using System.Runtime.CompilerServices;
namespace Mixtral.Model.Kernels;

// Legend: N tokens in the step, H query heads, KVH key/value heads, G = H / KVH, hd head dim, C cache capacity.

/// <summary>
/// Attention for every new token and every query head of a step, one (token, head) pair per chunk, so the heads of a
/// single decode token already spread over the kernel threads. q and output are [N, H·hd]; each sequence's keys and
/// values are [KVH, C, hd] with its new tokens already written.
/// </summary>
internal sealed unsafe class AttentionJob : ParallelJob
{
    private readonly float* _q, _output;
    private readonly AttentionSequence[] _sequences;
    private readonly int[] _sequenceOfRow; // [N]
    private readonly int _heads, _groups, _hd, _window;
    private readonly float _scale;

    public AttentionJob(float* q, float* output, AttentionSequence[] sequences, int tokens, int heads, int kvHeads, int hd, float scale, int window)
        : base(tokens * heads)
    {
        _q = q;
        _output = output;
        _sequences = sequences;
        _sequenceOfRow = new int[tokens];
        for (int s = 0; s < sequences.Length; s++)
            Array.Fill(_sequenceOfRow, s, sequences[s].FirstRow, sequences[s].Length);
        (_heads, _groups, _hd, _window, _scale) = (heads, heads / kvHeads, hd, window, scale);
    }

    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk)
    {
        int row = chunk / _heads, h = chunk % _heads;
        var s = _sequences[_sequenceOfRow[row]];
        long kv = (long)(h / _groups) * s.Capacity * _hd; // query head h reads key/value head h / G
        long at = ((long)row * _heads + h) * _hd;
        AttentionKernel.AttendOne(_q + at, s.Keys + kv, s.Values + kv, _output + at, s.Past + row - s.FirstRow, _hd, _scale, _window);
    }
}
