using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

// Legend: T rows of x, D hidden (K of the products), I intermediate (rows of W1 and of W3).

/// <summary>
/// a [T, I] = silu(x · W1ᵀ) ⊙ (x · W3ᵀ), the first half of a SwiGLU expert in one pass: each kernel block takes two
/// rows of W1 and the same two rows of W3, so gate and up of an index come out together and the activation is applied
/// right there, with no [T, I] gate and up tensors in between.
/// </summary>
internal sealed unsafe class SwiGluJob : ParallelJob
{
    private readonly float* _x, _w1, _w3, _a;
    private readonly int _t, _d, _i, _rowsPerChunk;

    private SwiGluJob(float* x, float* w1, float* w3, float* a, int t, int d, int i, int rowsPerChunk)
        : base((i + rowsPerChunk - 1) / rowsPerChunk)
    {
        _x = x;
        _w1 = w1;
        _w3 = w3;
        _a = a;
        (_t, _d, _i, _rowsPerChunk) = (t, d, i, rowsPerChunk);
    }

    public static SwiGluJob Create(float* x, float* w1, float* w3, float* a, int t, int d, int i)
    {
        // Each output row reads a row of W1 and a row of W3; keep chunks even-sized (the kernel takes rows in pairs).
        long rows = Math.Max(2, MatMulJob.ChunkBytes / (2L * sizeof(float) * d) / 2 * 2);
        return new SwiGluJob(x, w1, w3, a, t, d, i, (int)Math.Min(rows, i));
    }

    protected override void RunChunk(int chunk)
    {
        int r0 = chunk * _rowsPerChunk, r1 = Math.Min(_i, r0 + _rowsPerChunk);
        int r = r0;
        for (; r + 2 <= r1; r += 2)
        {
            float* g0 = _w1 + (long)r * _d, g1 = g0 + _d;
            float* u0 = _w3 + (long)r * _d, u1 = u0 + _d;
            int t = 0;
            if (Dot512Kernel.Enabled)
            {
                for (; t + 4 <= _t; t += 4)
                {
                    var block = Dot512Kernel.Block(_x + (long)t * _d, _d, g0, g1, u0, u1, _d);
                    float* at = _a + (long)t * _i + r;
                    Activate(block.R0, at);
                    Activate(block.R1, at + _i);
                    Activate(block.R2, at + 2L * _i);
                    Activate(block.R3, at + 3L * _i);
                }
            }
            for (; t + 2 <= _t; t += 2)
            {
                float* xt = _x + (long)t * _d;
                var (first, second) = DotKernel.Block4x2(xt, xt + _d, g0, g1, u0, u1, _d);
                Activate(first, _a + (long)t * _i + r);
                Activate(second, _a + (long)(t + 1) * _i + r);
            }
            if (t < _t) Activate(DotKernel.Block4x1(_x + (long)t * _d, g0, g1, u0, u1, _d), _a + (long)t * _i + r);
        }
        for (; r < r1; r++) // an odd last row
        {
            for (int t = 0; t < _t; t++)
            {
                float* xt = _x + (long)t * _d;
                _a[(long)t * _i + r] = Silu(DotKernel.Dot(xt, _w1 + (long)r * _d, _d)) * DotKernel.Dot(xt, _w3 + (long)r * _d, _d);
            }
        }
    }

    /// <summary>[gate r, gate r+1, up r, up r+1] → a[r], a[r+1].</summary>
    private static void Activate(Vector128<float> gateUp, float* a)
    {
        a[0] = Silu(gateUp.GetElement(0)) * gateUp.GetElement(2);
        a[1] = Silu(gateUp.GetElement(1)) * gateUp.GetElement(3);
    }

    /// <summary>silu(g) = g · sigmoid(g), written as LibTorch's CPU kernel writes it: g / (1 + e^-g).</summary>
    private static float Silu(float g) => g / (1f + MathF.Exp(-g));
}
