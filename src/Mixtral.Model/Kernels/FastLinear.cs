using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Kernels;

// Legend: T rows of x (all leading dimensions flattened), K in features, N out features.

/// <summary>
/// y = x · Wᵀ for a fixed weight with the AVX2 kernel, for the shapes LibTorch handles poorly on these CPUs: few rows
/// (a decode step, or the handful of tokens one expert gets). LibTorch's <c>linear</c> with 2–32 rows runs far below
/// memory bandwidth; this kernel streams W once for all rows. Anything else (GPU, 16-bit weights, non-contiguous
/// input, many rows) is left to LibTorch: <see cref="TryForward"/> says no and the caller falls back.
/// </summary>
public sealed unsafe class FastLinear
{
    /// <summary>Above this many rows the product is compute-bound and LibTorch's blocked GEMM is the faster choice.</summary>
    public const int MaxRows = 32;

    private readonly Tensor _weight; // [N, K], owned by the caller, kept alive by it
    private readonly float* _w;
    private readonly int _n, _k;

    private FastLinear(Tensor weight)
    {
        _weight = weight;
        _n = checked((int)weight.shape[0]);
        _k = checked((int)weight.shape[1]);
        _w = CpuKernels.Pointer(weight);
    }

    public int OutFeatures => _n;
    public int InFeatures => _k;

    /// <summary>A kernel bound to <paramref name="weight"/> [N, K], or null when the weight is not a contiguous float32
    /// CPU matrix (TorchSharp hands out at most 2 GB of a tensor's memory) or this CPU lacks AVX2/FMA.</summary>
    public static FastLinear? For(Tensor weight) =>
        DotKernel.IsSupported && weight.dim() == 2 && weight.shape[0] > 0 && weight.shape[1] > 0
        && weight.dtype == ScalarType.Float32 && weight.device_type == DeviceType.CPU && weight.is_contiguous()
        && weight.NumberOfElements * sizeof(float) <= int.MaxValue
            ? new FastLinear(weight)
            : null;

    /// <summary>Computes x [.., K] · Wᵀ → [.., N] when x is a contiguous float32 CPU tensor of at most
    /// <see cref="MaxRows"/> rows and the kernels are enabled; otherwise returns false and leaves the work to LibTorch.</summary>
    public bool TryForward(Tensor x, out Tensor y)
    {
        y = null!;
        if (x.dim() == 0 || !CpuKernels.Handles(x)) return false;
        var shape = x.shape;
        long rows = x.NumberOfElements / _k;
        if (shape[^1] != _k || rows < 1 || rows > MaxRows) return false;
        shape[^1] = _n;
        y = empty(shape, ScalarType.Float32); // [.., N]
        Run(CpuKernels.Pointer(x), CpuKernels.Pointer(y), (int)rows);
        return true;
    }

    /// <summary>y [T, N] = x [T, K] · Wᵀ on raw rows (the caller guarantees the sizes).</summary>
    internal void Run(float* x, float* y, int rows)
    {
        CpuKernels.Pool.Run(MatMulJob.Create(x, _w, y, rows, _k, _n));
        GC.KeepAlive(_weight);
    }
}
