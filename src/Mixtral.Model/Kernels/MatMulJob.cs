namespace Mixtral.Model.Kernels;

// Legend: T rows of x, K inner length, N rows of W.

/// <summary>y [T, N] = x [T, K] · W [N, K]ᵀ split over bands of W's rows, one band per chunk.</summary>
internal sealed unsafe class MatMulJob : ParallelJob
{
    /// <summary>W bytes per chunk: big enough that claiming a chunk (one atomic add) is noise, small enough that the
    /// smallest projections (a few MB) still split into tens of chunks for two or more threads.</summary>
    internal const long ChunkBytes = 128 * 1024;

    private readonly float* _x;
    private readonly float* _w;
    private readonly float* _y;
    private readonly int _t, _k, _n, _rowsPerChunk;

    private MatMulJob(float* x, float* w, float* y, int t, int k, int n, int rowsPerChunk)
        : base((n + rowsPerChunk - 1) / rowsPerChunk)
    {
        _x = x;
        _w = w;
        _y = y;
        (_t, _k, _n, _rowsPerChunk) = (t, k, n, rowsPerChunk);
    }

    public static MatMulJob Create(float* x, float* w, float* y, int t, int k, int n)
    {
        long rows = Math.Max(4, ChunkBytes / (sizeof(float) * (long)k) / 4 * 4); // a multiple of the kernel's 4-row block
        return new MatMulJob(x, w, y, t, k, n, (int)Math.Min(rows, n));
    }

    protected override void RunChunk(int chunk)
    {
        int n0 = chunk * _rowsPerChunk;
        DotKernel.Band(_x, _w, _y, _t, _k, _n, n0, Math.Min(_n, n0 + _rowsPerChunk));
    }
}
