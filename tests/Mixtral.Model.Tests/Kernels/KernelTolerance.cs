using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Tests.Kernels;

/// <summary>
/// How far a kernel's float32 result may be from LibTorch's, stated once. The kernels compute the same sums in a
/// different order (eight-lane partial sums, fused multiply-adds). Any order of summing K products is within
/// K·u·Σ|xₖwₖ| of the exact value (u = 2⁻²⁴, the float32 unit roundoff; the standard bound γ_K), so two orders are
/// within twice that of each other. The bound scales with the magnitudes, so it is tight for small sums and loose
/// only where cancellation makes the result small.
/// </summary>
public static class KernelTolerance
{
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>Asserts |actual − expected| ≤ 2·K·u·(|x|·|W|ᵀ) elementwise for y = x·Wᵀ with inner length K.</summary>
    public static void AssertLinearClose(Tensor expected, Tensor actual, Tensor x, Tensor w, string what)
    {
        using var scope = NewDisposeScope();
        long k = w.shape[1];
        var magnitude = nn.functional.linear(x.abs().to(ScalarType.Float64), w.abs().to(ScalarType.Float64)); // Σ|xₖwₖ|
        var bound = magnitude * (2.0 * k * UnitRoundoff) + 1e-30;
        var error = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        var excess = (error - bound).max().item<double>();
        Assert.True(excess <= 0, $"{what}: an element differs from LibTorch by more than the summation-order bound (excess {excess:E2})");
    }

    /// <summary>Asserts max |actual − expected| ≤ <paramref name="tolerance"/>.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        double max = diff.max().item<double>();
        Assert.True(max <= tolerance, $"{what}: max |difference| {max:E2} exceeds {tolerance:E2}");
    }
}
