using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Kernels;

// Legend: n rows routed to the expert, D hidden, I intermediate.

/// <summary>
/// silu(x · W1ᵀ) ⊙ (x · W3ᵀ) for a fixed fused gate/up weight [2I, D] with the fused kernel (<see cref="SwiGluJob{TW}"/>):
/// one pass over both matrices, the activation applied as the dot products come out. The weight's rows come in groups
/// g0 g1 u0 u1 g2 g3 u2 u3 … (Layers.GateUpProjection), so the pass is one sequential stream; or, for an odd I, all of
/// W1 then all of W3. Same limits and formats as <see cref="FastLinear"/>.
/// </summary>
public sealed unsafe class FastSwiGlu
{
    private readonly Tensor _weight; // [2I, D], owned by the caller
    private readonly byte* _w1, _w3; // the first gate row, the first up row
    private readonly long _pairStep; // bytes from one pair of gate (or up) rows to the next
    private readonly bool _bf16;

    private FastSwiGlu(Tensor weight, int intermediate, bool interleaved)
    {
        _weight = weight;
        Intermediate = intermediate;
        Hidden = checked((int)weight.shape[1]);
        _bf16 = weight.dtype == ScalarType.BFloat16;
        long row = (long)Hidden * weight.ElementSize;
        _w1 = CpuKernels.Address(weight);
        _w3 = _w1 + (interleaved ? 2 * row : intermediate * row);
        _pairStep = interleaved ? 4 * row : 2 * row;
    }

    public int Intermediate { get; }
    public int Hidden { get; }

    /// <inheritdoc cref="FastLinear.AnyRows"/>
    public bool AnyRows => FastLinear.TakesAnyRows(_bf16);

    /// <summary>A fused kernel over the gate/up weight <paramref name="weight"/> [2I, D] (gate/up row groups of four when
    /// <paramref name="interleaved"/>, else W1 over W3), or null where <see cref="FastLinear.For"/> would refuse it.</summary>
    public static FastSwiGlu? For(Tensor weight, int intermediate, bool interleaved) =>
        FastLinear.For(weight) is not null && weight.shape[0] == 2L * intermediate && (!interleaved || intermediate % 2 == 0)
            ? new FastSwiGlu(weight, intermediate, interleaved)
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
            ? SwiGluJob<BFloat16Weights>.Create(x, _w1, _w3, _pairStep, a, rows, Hidden, Intermediate)
            : SwiGluJob<Float32Weights>.Create(x, _w1, _w3, _pairStep, a, rows, Hidden, Intermediate));
        GC.KeepAlive(_weight);
    }
}
