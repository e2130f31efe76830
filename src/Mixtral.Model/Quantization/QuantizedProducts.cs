using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

// Legend: T rows of x, K in features, N out features.

/// <summary>The quantized kernels on raw rows: x is quantized for the format on the calling thread, then the pool streams W once per
/// block of up to 32 rows.</summary>
public static unsafe class QuantizedProducts
{
    /// <summary>y [T, N] = x [T, K] · Wᵀ for a dense float32 CPU x (the kernels must be supported: <see cref="QuantDotKernel.IsSupported"/>).</summary>
    public static Tensor Multiply(QuantizedMatrix w, Tensor x)
    {
        if (x.dim() != 2 || x.size(1) != w.Columns || !CpuKernels.Handles(x))
            throw new ArgumentException($"x must be a dense float32 CPU [T, {w.Columns}], got {x.dtype} {string.Join("x", x.shape)}", nameof(x));
        int t = (int)x.size(0);
        var y = empty([t, w.Rows], ScalarType.Float32); // [T, N]
        float* xs = CpuKernels.Pointer(x), ys = CpuKernels.Pointer(y);
        int block = Math.Min(t, FastLinear.MaxRows);
        QuantScratch.For(block, w.ActivationRowLength, out short* codes, out float* scales);
        for (int first = 0; first < t; first += block)
            Multiply(w, xs + (long)first * w.Columns, Math.Min(block, t - first), codes, scales, ys + (long)first * w.Rows);
        GC.KeepAlive(x);
        return y;
    }

    /// <summary>y [T, N] from x [T, K], T ≤ 32, quantizing x into <paramref name="codes"/> / <paramref name="scales"/> first.</summary>
    internal static void Multiply(QuantizedMatrix w, float* x, int t, short* codes, float* scales, float* y)
    {
        if (w.Format == ExpertWeightFormat.Int8) Multiply<Int8Codes>(w, x, t, codes, scales, y);
        else Multiply<Q4Codes>(w, x, t, codes, scales, y);
    }

    /// <summary>a [T, I] = silu(x · W1ᵀ) ⊙ (x · W3ᵀ) from x [T, D], T ≤ 32, quantizing x first.</summary>
    internal static void SwiGlu(QuantizedMatrix w1, QuantizedMatrix w3, float* x, int t, short* codes, float* scales, float* a)
    {
        if (w1.Format == ExpertWeightFormat.Int8) SwiGlu<Int8Codes>(w1, w3, x, t, codes, scales, a);
        else SwiGlu<Q4Codes>(w1, w3, x, t, codes, scales, a);
    }

    private static void Multiply<TQ>(QuantizedMatrix w, float* x, int t, short* codes, float* scales, float* y) where TQ : struct, IQuantFormat
    {
        TQ.QuantizeActivations(x, t, w, codes, scales);
        CpuKernels.Pool.Run(QuantMatMulJob<TQ>.Create(w, codes, scales, y, t));
    }

    private static void SwiGlu<TQ>(QuantizedMatrix w1, QuantizedMatrix w3, float* x, int t, short* codes, float* scales, float* a) where TQ : struct, IQuantFormat
    {
        TQ.QuantizeActivations(x, t, w1, codes, scales);
        CpuKernels.Pool.Run(QuantSwiGluJob<TQ>.Create(w1, w3, codes, scales, a, t));
    }
}
