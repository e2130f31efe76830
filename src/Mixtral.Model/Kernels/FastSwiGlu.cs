using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Kernels;

// Legend: n rows routed to the expert, D hidden, I intermediate.

/// <summary>
/// silu(x · W1ᵀ) ⊙ (x · W3ᵀ) for a fixed pair of weights with the fused kernel (<see cref="SwiGluJob"/>): one pass over
/// both matrices, the activation applied as the dot products come out. Same limits as <see cref="FastLinear"/>.
/// </summary>
public sealed unsafe class FastSwiGlu
{
    private readonly Tensor _w1, _w3; // [I, D] each, owned by the caller
    private readonly float* _p1, _p3;
    private readonly int _i, _d;

    private FastSwiGlu(Tensor w1, Tensor w3)
    {
        (_w1, _w3) = (w1, w3);
        _i = checked((int)w1.shape[0]);
        _d = checked((int)w1.shape[1]);
        _p1 = CpuKernels.Pointer(w1);
        _p3 = CpuKernels.Pointer(w3);
    }

    /// <summary>A fused kernel over gate <paramref name="w1"/> and up <paramref name="w3"/> [I, D], or null where
    /// <see cref="FastLinear.For"/> would refuse either of them or their shapes differ.</summary>
    public static FastSwiGlu? For(Tensor w1, Tensor w3) =>
        FastLinear.For(w1) is not null && FastLinear.For(w3) is not null
        && w1.shape[0] == w3.shape[0] && w1.shape[1] == w3.shape[1]
            ? new FastSwiGlu(w1, w3)
            : null;

    /// <summary>x [n, D] → a [n, I] when the kernels take x (see <see cref="FastLinear.TryForward"/>); otherwise false.</summary>
    public bool TryForward(Tensor x, out Tensor a)
    {
        a = null!;
        if (x.dim() != 2 || !CpuKernels.Handles(x) || x.shape[1] != _d || x.shape[0] < 1 || x.shape[0] > FastLinear.MaxRows)
            return false;
        int rows = (int)x.shape[0];
        a = empty([rows, _i], ScalarType.Float32); // [n, I]
        CpuKernels.Pool.Run(SwiGluJob.Create(CpuKernels.Pointer(x), _p1, _p3, CpuKernels.Pointer(a), rows, _d, _i));
        GC.KeepAlive(_w1);
        GC.KeepAlive(_w3);
        return true;
    }
}
