using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

// Legend: T rows of x, D hidden (K of the products), I intermediate (rows of W1 and of W3); TW the weights' format.

/// <summary>
/// a [T, I] = silu(x · W1ᵀ) ⊙ (x · W3ᵀ), the first half of a SwiGLU expert in one pass: each kernel block takes two
/// rows of W1 and the same two rows of W3, so gate and up of an index come out together and the activation is applied
/// right there, with no [T, I] gate and up tensors in between.
/// </summary>
internal sealed unsafe class SwiGluJob<TW> : ParallelJob where TW : struct, IWeightFormat
{
    private readonly float* _x, _a;
    private readonly byte* _w1, _w3;
    private readonly int _t, _d, _i, _rowsPerChunk;
    private readonly long _stride; // bytes per row of W1 and W3
    private readonly long _pairStep; // bytes from gate rows r, r+1 to gate rows r+2, r+3 (the same for up)

    private SwiGluJob(float* x, byte* w1, byte* w3, long pairStep, float* a, int t, int d, int i, int rowsPerChunk)
        : base((i + rowsPerChunk - 1) / rowsPerChunk)
    {
        _x = x;
        _w1 = w1;
        _w3 = w3;
        _a = a;
        (_t, _d, _i, _rowsPerChunk) = (t, d, i, rowsPerChunk);
        _stride = (long)d * TW.ElementSize;
        _pairStep = pairStep;
    }

    /// <summary>Each output index reads a row of W1 and a row of W3; chunks are even-sized (the kernel takes rows in pairs).
    /// Gate rows r and r+1 are at <paramref name="w1"/> + (r / 2)·<paramref name="pairStep"/> and one row apart, up rows
    /// likewise from <paramref name="w3"/> (one fused tensor in groups of four rows, or two plain matrices).</summary>
    public static SwiGluJob<TW> Create(float* x, byte* w1, byte* w3, long pairStep, float* a, int t, int d, int i) =>
        new(x, w1, w3, pairStep, a, t, d, i, ChunkRows.For(2L * d * TW.ElementSize, i, multiple: 2));

    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void RunChunk(int chunk)
    {
        int r0 = chunk * _rowsPerChunk, r1 = Math.Min(_i, r0 + _rowsPerChunk);
        int r = r0;
        for (; r + 2 <= r1; r += 2)
        {
            byte* g0 = _w1 + r / 2 * _pairStep, g1 = g0 + _stride;
            byte* u0 = _w3 + r / 2 * _pairStep, u1 = u0 + _stride;
            // The chunk's next two pairs of gate and up rows, asked into L2 while this pair computes.
            long next = r + 4 <= r1 ? _pairStep : 0, after = r + 6 <= r1 ? 2 * _pairStep : 0;
            int t = 0;
            for (int six; (six = DotKernel.SixRowPass(_t - t, _d)) > 0; t += six)
            {
                float* xt = _x + (long)t * _d;
                var b = DotKernel.SixRowBlock<TW>(six, xt, _d, g0, g1, u0, u1, _d, next, after);
                float* at = _a + (long)t * _i + r;
                Activate(b.R0, at);
                Activate(b.R1, at + _i);
                Activate(b.R2, at + 2L * _i);
                Activate(b.R3, at + 3L * _i);
                Activate(b.R4, at + 4L * _i);
                if (six > 5) Activate(b.R5, at + 5L * _i);
            }
            for (; t + 4 <= _t; t += 4)
            {
                var block = DotKernel.FourRows<TW>(_x + (long)t * _d, _d, g0, g1, u0, u1, _d, next, after);
                float* at = _a + (long)t * _i + r;
                Activate(block.R0, at);
                Activate(block.R1, at + _i);
                Activate(block.R2, at + 2L * _i);
                Activate(block.R3, at + 3L * _i);
            }
            if (_t - t == 3)
            {
                var (first, second, third) = DotKernel.ThreeRows<TW>(_x + (long)t * _d, _d, g0, g1, u0, u1, _d, next, after);
                float* at = _a + (long)t * _i + r;
                Activate(first, at);
                Activate(second, at + _i);
                Activate(third, at + 2L * _i);
                t += 3;
            }
            for (; t + 2 <= _t; t += 2)
            {
                float* xt = _x + (long)t * _d;
                var (first, second) = DotKernel.TwoRows<TW>(xt, xt + _d, g0, g1, u0, u1, _d, next, after);
                Activate(first, _a + (long)t * _i + r);
                Activate(second, _a + (long)(t + 1) * _i + r);
            }
            if (t < _t) Activate(DotKernel.OneRow<TW>(_x + (long)t * _d, g0, g1, u0, u1, _d), _a + (long)t * _i + r);
        }
        for (; r < r1; r++) // an odd last row
        {
            for (int t = 0; t < _t; t++)
            {
                float* xt = _x + (long)t * _d;
                _a[(long)t * _i + r] = Silu(DotKernel.Dot<TW>(xt, _w1 + r * _stride, _d)) * DotKernel.Dot<TW>(xt, _w3 + r * _stride, _d); // odd I: plain W1 over W3
            }
        }
    }

    /// <summary>[gate r, gate r+1, up r, up r+1] → a[r], a[r+1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Activate(Vector128<float> gateUp, float* a)
    {
        a[0] = Silu(gateUp.GetElement(0)) * gateUp.GetElement(2);
        a[1] = Silu(gateUp.GetElement(1)) * gateUp.GetElement(3);
    }

    /// <summary>silu(g) = g · sigmoid(g), written as LibTorch's CPU kernel writes it: g / (1 + e^-g).</summary>
    private static float Silu(float g) => g / (1f + MathF.Exp(-g));
}
