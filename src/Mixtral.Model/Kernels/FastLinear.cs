using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Kernels;

// Legend: T rows of x (all leading dimensions flattened), K in features, N out features.

/// <summary>
/// y = x · Wᵀ for a fixed weight with the AVX2/AVX-512 kernels, for the shapes LibTorch handles poorly on these CPUs: few
/// rows (a decode step, or the handful of tokens one expert gets). LibTorch's <c>linear</c> with 2–32 rows runs far below
/// memory bandwidth; these kernels stream W once for all rows. W may be float32 or bfloat16 (widened exactly on load);
/// x and y are float32. Anything else (GPU, non-contiguous input, many rows over float32 weights) is left to LibTorch:
/// <see cref="TryForward"/> says no and the caller falls back.
/// </summary>
public sealed unsafe class FastLinear
{
    /// <summary>Rows per kernel pass; where the kernel takes any number of rows (<see cref="AnyRows"/>), this many at a time.
    /// Past it a float32 product with AVX2 only goes to LibTorch's blocked GEMM.</summary>
    public const int MaxRows = 32;

    private readonly Tensor _weight; // [N, K], owned by the caller, kept alive by it
    private readonly byte* _w;
    private readonly bool _bf16;

    private FastLinear(Tensor weight)
    {
        _weight = weight;
        OutFeatures = checked((int)weight.shape[0]);
        InFeatures = checked((int)weight.shape[1]);
        _bf16 = weight.dtype == ScalarType.BFloat16;
        _w = CpuKernels.Address(weight);
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }

    /// <summary>True when the kernel takes any number of rows: over bfloat16 weights, where LibTorch's products are
    /// several times slower on these CPUs and would need a float32 copy of the weight; and over float32 weights with the
    /// AVX-512 blocks, which beat LibTorch's GEMM at every row count measured ([3584, 1024], 2-core EPYC, best of 3, same
    /// process: 33 rows 1.51×, 48 1.42×, 64 1.28–1.32×, 128 1.18×, 256 1.21×, 512 1.07×). With AVX2 only LibTorch keeps
    /// more than <see cref="MaxRows"/> rows of float32 (there ours was 0.94× at 64 rows and 0.65× at 512).</summary>
    public bool AnyRows => TakesAnyRows(_bf16);

    /// <summary><see cref="AnyRows"/> for a weight in bfloat16 or not: the one rule every kernel over dense weights follows.</summary>
    internal static bool TakesAnyRows(bool bf16) => bf16 || Dot512Kernel.Enabled;

    /// <summary>A kernel bound to <paramref name="weight"/> [N, K], or null when the weight is not a contiguous float32 or
    /// bfloat16 CPU matrix (of at most 2 GB: TorchSharp hands out memory as an int-sized span) or this CPU lacks AVX2/FMA.</summary>
    public static FastLinear? For(Tensor weight) =>
        DotKernel.IsSupported && weight.dim() == 2 && weight.shape[0] > 0 && weight.shape[1] > 0
        && weight.dtype is ScalarType.Float32 or ScalarType.BFloat16 && weight.device_type == DeviceType.CPU
        && weight.is_contiguous() && weight.NumberOfElements * weight.ElementSize <= int.MaxValue
            ? new FastLinear(weight)
            : null;

    /// <summary>True when the kernel takes x: a dense float32 CPU tensor [.., K] with 1 to <see cref="MaxRows"/> rows
    /// (any number over bfloat16 weights), and the kernels are enabled.</summary>
    public bool Accepts(Tensor x)
    {
        if (x.dim() == 0 || !CpuKernels.Handles(x) || x.size(-1) != InFeatures) return false;
        long rows = x.NumberOfElements / InFeatures;
        return rows >= 1 && (rows <= MaxRows || AnyRows);
    }

    /// <summary>Computes x [.., K] · Wᵀ → [.., N] when <see cref="Accepts"/>; otherwise returns false.</summary>
    public bool TryForward(Tensor x, out Tensor y)
    {
        y = null!;
        if (!Accepts(x)) return false;
        var shape = x.shape;
        shape[^1] = OutFeatures;
        y = empty(shape, ScalarType.Float32); // [.., N]
        Run(CpuKernels.Pointer(x), CpuKernels.Pointer(y), checked((int)(x.NumberOfElements / InFeatures)));
        return true;
    }

    /// <summary>y [T, N] = x [T, K] · Wᵀ on raw rows (the caller guarantees the sizes), <see cref="MaxRows"/> rows per pass
    /// so that the rows of x stay in cache while W streams past them.</summary>
    internal void Run(float* x, float* y, int rows)
    {
        for (int first = 0; first < rows; first += MaxRows)
        {
            int count = Math.Min(MaxRows, rows - first);
            float* xs = x + (long)first * InFeatures, ys = y + (long)first * OutFeatures;
            CpuKernels.Pool.Run(_bf16
                ? MatMulJob<BFloat16Weights>.Create(xs, _w, ys, count, InFeatures, OutFeatures)
                : MatMulJob<Float32Weights>.Create(xs, _w, ys, count, InFeatures, OutFeatures));
        }
        GC.KeepAlive(_weight);
    }
}
