using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

// Legend: T rows, D hidden.

/// <summary>RMSNorm over dense rows: y[t] = x[t] · (1 / √(mean(x[t]²) + eps)) · w, in float32 like Hugging Face.</summary>
public static unsafe class RmsNormKernel
{
    /// <summary>x, y [T, D] (may be the same memory), w [D].</summary>
    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* x, float* w, float* y, int rows, int d, float eps)
    {
        for (int t = 0; t < rows; t++)
        {
            float* xt = x + (long)t * d, yt = y + (long)t * d;
            float scale = 1f / MathF.Sqrt(SumOfSquares(xt, d) / d + eps); // LibTorch's rsqrt is 1 / sqrt, correctly rounded
            var s = Vector256.Create(scale);
            int j = 0;
            for (; j + 8 <= d; j += 8)
                Vector256.Store(Vector256.Load(xt + j) * s * Vector256.Load(w + j), yt + j);
            for (; j < d; j++) yt[j] = xt[j] * scale * w[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SumOfSquares(float* x, int d)
    {
        Vector256<float> a = default, b = default;
        int j = 0;
        for (; j + 16 <= d; j += 16)
        {
            var u = Vector256.Load(x + j);
            var v = Vector256.Load(x + j + 8);
            a += u * u;
            b += v * v;
        }
        for (; j + 8 <= d; j += 8)
        {
            var u = Vector256.Load(x + j);
            a += u * u;
        }
        float sum = Vector256.Sum(a + b);
        for (; j < d; j++) sum += x[j] * x[j];
        return sum;
    }
}
