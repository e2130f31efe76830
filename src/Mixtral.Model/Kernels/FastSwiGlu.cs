using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Kernels;

// Legend: n rows routed to the expert, D hidden, I intermediate.

/// <summary>
/// silu(x · W1ᵀ) ⊙ (x · W3ᵀ) for a fixed pair of weights with the fused kernel (<see cref="SwiGluJob{TW}"/>): one pass over
/// both matrices, the activation applied as the dot products come out. Same limits and formats as <see cref="FastLinear"/>.
/// </summary>
public sealed unsafe class FastSwiGlu
{
    private readonly Tensor _w1, _w3; // [I, D] each, owned by the caller
    private readonly byte* _p1, _p3;
    private readonly bool _bf16;

    private FastSwiGlu(Tensor w1, Tensor w3, bool anyRows)
    {
        (_w1, _w3) = (w1, w3);
        Intermediate = checked((int)w1.shape[0]);
        Hidden = checked((int)w1.shape[1]);
        _bf16 = w1.dtype == ScalarType.BFloat16;
        AnyRows = anyRows;
        _p1 = CpuKernels.Address(w1);
        _p3 = CpuKernels.Address(w3);
    }

    public int Intermediate { get; }
    public int Hidden { get; }

    /// <inheritdoc cref="FastLinear.AnyRows"/>
    public bool AnyRows { get; }

    /// <summary>A fused kernel over gate <paramref name="w1"/> and up <paramref name="w3"/> [I, D], or null where
    /// <see cref="FastLinear.For"/> would refuse either of them or their shapes or formats differ.</summary>
    public static FastSwiGlu? For(Tensor w1, Tensor w3) =>
        FastLinear.For(w1) is { } gate && FastLinear.For(w3) is not null && w1.dtype == w3.dtype
        && w1.shape[0] == w3.shape[0] && w1.shape[1] == w3.shape[1]
            ? new FastSwiGlu(w1, w3, gate.AnyRows)
            : null;

    /// <summary>True when the kernel takes x: a dense float32 CPU [n, D], n within <see cref="FastLinear.MaxRows"/> unless
    /// <see cref="AnyRows"/>.</summary>
    public bool Accepts(Tensor x) =>
        x.dim() == 2 && CpuKernels.Handles(x) && x.size(1) == Hidden && x.size(0) >= 1 && (AnyRows || x.size(0) <= FastLinear.MaxRows);

    /// <summary>x [n, D] → a [n, I] when <see cref="Accepts"/>; otherwise false.</summary>
    public bool TryForward(Tensor x, out Tensor a)
    {
        a = null!;
        if (!Accepts(x)) return false;
        int rows = (int)x.size(0);
        a = empty([rows, Intermediate], ScalarType.Float32); // [n, I]
        for (int first = 0; first < rows; first += FastLinear.MaxRows)
            Run(CpuKernels.Pointer(x) + (long)first * Hidden, CpuKernels.Pointer(a) + (long)first * Intermediate, Math.Min(FastLinear.MaxRows, rows - first));
        return true;
    }

    /// <summary>a [n, I] from x [n, D] on raw rows, n ≤ <see cref="FastLinear.MaxRows"/> (the caller guarantees the sizes).</summary>
    internal void Run(float* x, float* a, int rows)
    {
        CpuKernels.Pool.Run(_bf16
            ? SwiGluJob<BFloat16Weights>.Create(x, _p1, _p3, a, rows, Hidden, Intermediate)
            : SwiGluJob<Float32Weights>.Create(x, _p1, _p3, a, rows, Hidden, Intermediate));
        GC.KeepAlive(_w1);
        GC.KeepAlive(_w3);
    }
}
