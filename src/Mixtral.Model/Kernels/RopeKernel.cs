using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Mixtral.Model.Kernels;

// Legend: T rows (tokens), heads per row, hd head dim, P table positions.

/// <summary>
/// Rotary position embedding in place, "rotate half" layout: for i &lt; hd/2,
/// x[i] ← x[i]·cos[p, i] − x[i + hd/2]·sin[p, i] and x[i + hd/2] ← x[i + hd/2]·cos[p, i + hd/2] + x[i]·sin[p, i + hd/2].
/// Each product is rounded before the sum, exactly as LibTorch's x·cos + rotate_half(x)·sin computes it.
/// </summary>
public static unsafe class RopeKernel
{
    /// <summary>x [T, heads, hd] with rows <paramref name="rowStride"/> floats apart; cos/sin tables [P, hd].</summary>
    // AggressiveOptimization: these loops run from the first token; tier-0 code of them is several times slower.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* x, long rowStride, int rows, int heads, int hd, ReadOnlySpan<long> positions, float* cos, float* sin)
    {
        int half = hd / 2;
        for (int t = 0; t < rows; t++)
        {
            float* c = cos + positions[t] * hd, s = sin + positions[t] * hd;
            for (int h = 0; h < heads; h++)
            {
                float* x1 = x + t * rowStride + (long)h * hd, x2 = x1 + half;
                int i = 0;
                for (; i + 8 <= half; i += 8)
                {
                    var a = Vector256.Load(x1 + i);
                    var b = Vector256.Load(x2 + i);
                    Vector256.Store(a * Vector256.Load(c + i) - b * Vector256.Load(s + i), x1 + i);
                    Vector256.Store(b * Vector256.Load(c + half + i) + a * Vector256.Load(s + half + i), x2 + i);
                }
                for (; i < half; i++)
                {
                    float a = x1[i], b = x2[i];
                    x1[i] = a * c[i] - b * s[i];
                    x2[i] = b * c[half + i] + a * s[half + i];
                }
            }
        }
    }
}
