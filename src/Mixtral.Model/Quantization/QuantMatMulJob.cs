using System.Runtime.CompilerServices;
using Mixtral.Model.Kernels;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, K in features, N rows of W (out features).

/// <summary>y [T, N] = x [T, K] · Wᵀ over a quantized W, x already quantized for the format; split over bands of W's rows.</summary>
internal sealed unsafe class QuantMatMulJob<TQ> : ParallelJob where TQ : struct, IQuantFormat
{
    private readonly QuantizedMatrix _w;
    private readonly short* _x;
    private readonly float* _xs, _y;
    private readonly int _t, _rowsPerChunk;

    private QuantMatMulJob(QuantizedMatrix w, short* x, float* xs, float* y, int t, int rowsPerChunk)
        : base((w.Rows + rowsPerChunk - 1) / rowsPerChunk)
    {
        _w = w;
        _x = x;
        _xs = xs;
        _y = y;
        (_t, _rowsPerChunk) = (t, rowsPerChunk);
    }

    public static QuantMatMulJob<TQ> Create(QuantizedMatrix w, short* x, float* xs, float* y, int t) =>
        new(w, x, xs, y, t, QuantChunks.RowsPerChunk(w.RowCodeBytes, w.Rows));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk)
    {
        int r0 = chunk * _rowsPerChunk, r1 = Math.Min(_w.Rows, r0 + _rowsPerChunk);
        for (int r = r0; r < r1; r++)
            TQ.Against(_w, r, _x, _xs, _t, _y + r, _w.Rows);
    }
}

/// <summary>How many W rows one chunk of a quantized job takes: about 64 KB of codes, so even the smallest projections
/// split into tens of chunks for the threads to share, and claiming a chunk stays noise.</summary>
internal static class QuantChunks
{
    public static int RowsPerChunk(long rowBytes, int rows) => (int)Math.Clamp(64 * 1024 / rowBytes, 1, rows);
}
