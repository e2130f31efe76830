using System.Runtime.CompilerServices;
using Mixtral.Model.Kernels;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, D hidden, I intermediate (rows of W1 and of W3).

/// <summary>
/// a [T, I] = silu(x · W1ᵀ) ⊙ (x · W3ᵀ) over quantized W1 and W3, x already quantized for the format: row r of W1 and row r of W3
/// are read together and the activation applied as the two dot products come out, as <c>SwiGluJob</c> does for dense weights.
/// </summary>
internal sealed unsafe class QuantSwiGluJob<TQ> : ParallelJob where TQ : struct, IQuantFormat
{
    private readonly QuantizedMatrix _w1, _w3;
    private readonly short* _x;
    private readonly float* _xs, _a;
    private readonly int _t, _rowsPerChunk;

    private QuantSwiGluJob(QuantizedMatrix w1, QuantizedMatrix w3, short* x, float* xs, float* a, int t, int rowsPerChunk)
        : base((w1.Rows + rowsPerChunk - 1) / rowsPerChunk)
    {
        (_w1, _w3) = (w1, w3);
        _x = x;
        _xs = xs;
        _a = a;
        (_t, _rowsPerChunk) = (t, rowsPerChunk);
    }

    public static QuantSwiGluJob<TQ> Create(QuantizedMatrix w1, QuantizedMatrix w3, short* x, float* xs, float* a, int t) =>
        new(w1, w3, x, xs, a, t, QuantChunks.RowsPerChunk(2 * w1.RowCodeBytes, w1.Rows));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk)
    {
        int r0 = chunk * _rowsPerChunk, r1 = Math.Min(_w1.Rows, r0 + _rowsPerChunk);
        int intermediate = _w1.Rows;
        float* gateUp = stackalloc float[2 * FastLinear.MaxRows]; // [gate t | up t]
        for (int r = r0; r < r1; r++)
        {
            TQ.Against(_w1, r, _x, _xs, _t, gateUp, 1);
            TQ.Against(_w3, r, _x, _xs, _t, gateUp + FastLinear.MaxRows, 1);
            for (int t = 0; t < _t; t++)
                _a[(long)t * intermediate + r] = Silu(gateUp[t]) * gateUp[FastLinear.MaxRows + t];
        }
    }

    /// <summary>silu(g) = g / (1 + e^-g), as LibTorch's CPU kernel (and the dense SwiGLU job) writes it.</summary>
    private static float Silu(float g) => g / (1f + MathF.Exp(-g));
}
