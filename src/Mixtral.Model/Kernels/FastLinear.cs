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
    public const int DefaultMaxRows = 32;

    private readonly Tensor _weight; // [N, K], kept alive by its owner
    private readonly float* _w;
    private readonly int _n, _k;

    private FastLinear(Tensor weight)
    {
        _weight = weight;
        _n = checked((int)weight.shape[0]);
        _k = checked((int)weight.shape[1]);
        fixed (byte* p = weight.bytes) _w = (float*)p; // the tensor's own memory: stable while the tensor lives
    }

    /// <summary>Rows up to which the kernel is used; 0 turns it off (benchmarks compare against LibTorch that way).</summary>
    public static int MaxRows { get; set; } = DefaultMaxRows;

    /// <summary>A kernel bound to <paramref name="weight"/> [N, K], or null when the weight is not a contiguous float32
    /// CPU matrix or this CPU lacks AVX2/FMA.</summary>
    public static FastLinear? For(Tensor weight) =>
        DotKernel.IsSupported && weight.device_type == DeviceType.CPU && weight.dtype == ScalarType.Float32
        && weight.dim() == 2 && weight.is_contiguous() && weight.shape[1] > 0
        && weight.NumberOfElements * sizeof(float) <= int.MaxValue // TorchSharp's byte span is int-sized
            ? new FastLinear(weight)
            : null;

    /// <summary>Computes x [.., K] · Wᵀ → [.., N] when x is a contiguous float32 CPU tensor with at most
    /// <see cref="MaxRows"/> rows; otherwise returns false and leaves the work to LibTorch.</summary>
    public bool TryForward(Tensor x, out Tensor y)
    {
        y = null!;
        long rows = x.dim() == 0 ? 0 : x.NumberOfElements / _k;
        if (rows < 1 || rows > MaxRows || x.shape[^1] != _k || x.dtype != ScalarType.Float32
            || x.device_type != DeviceType.CPU || !x.is_contiguous())
            return false;
        var shape = x.shape;
        shape[^1] = _n;
        y = empty(shape, ScalarType.Float32); // [.., N]
        fixed (byte* xp = x.bytes)
        fixed (byte* yp = y.bytes)
            CpuKernels.Pool.Run(MatMulJob.Create((float*)xp, _w, (float*)yp, (int)rows, _k, _n));
        GC.KeepAlive(_weight);
        return true;
    }
}
