using System.Runtime.CompilerServices;
namespace Mixtral.Model.Kernels;

// Legend: T rows of x, K inner length, N rows of W; TW the format of W's elements.

/// <summary>y [T, N] = x [T, K] · W [N, K]ᵀ split over bands of W's rows, one band per chunk.</summary>
internal sealed unsafe class MatMulJob<TW> : ParallelJob where TW : struct, IWeightFormat
{
    private readonly float* _x, _y;
    private readonly byte* _w;
    private readonly int _t, _k, _n, _rowsPerChunk;

    private MatMulJob(float* x, byte* w, float* y, int t, int k, int n, int rowsPerChunk)
        : base((n + rowsPerChunk - 1) / rowsPerChunk)
    {
        _x = x;
        _w = w;
        _y = y;
        (_t, _k, _n, _rowsPerChunk) = (t, k, n, rowsPerChunk);
    }

    public static MatMulJob<TW> Create(float* x, byte* w, float* y, int t, int k, int n) =>
        new(x, w, y, t, k, n, ChunkRows.For(k * TW.ElementSize, n, multiple: 4)); // the kernel's 4-row block

    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk)
    {
        int n0 = chunk * _rowsPerChunk;
        DotKernel.Band<TW>(_x, _w, _y, _t, _k, _n, n0, Math.Min(_n, n0 + _rowsPerChunk));
    }
}
