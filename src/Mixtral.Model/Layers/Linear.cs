using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>y = x · Wᵀ with W in PyTorch's [out, in] layout. The one place a matrix product over weights happens,
/// so a faster kernel for a shape or a device plugs in here: on CPU in float32, few-row products (decode steps,
/// per-expert batches) run on <see cref="FastLinear"/>; everything else on LibTorch. W may be kept in bfloat16 under a
/// float32 computation (see <see cref="Inference.ModelOptions.WeightDType"/>).</summary>
public sealed class Linear(Tensor weight) : IDisposable
{
    private readonly FastLinear? _fast = FastLinear.For(weight);

    public Tensor Weight { get; } = weight; // [out, in]
    public long OutFeatures => Weight.shape[0];
    public long InFeatures => Weight.shape[1];

    /// <summary>The CPU kernel bound to this weight, or null where LibTorch does all the work (GPU, 16-bit weights).</summary>
    internal FastLinear? Kernel => _fast;

    public Tensor Forward(Tensor x) // [N, in] → [N, out]
    {
        if (_fast is not null && _fast.TryForward(x, out var y)) return y;
        if (x.dtype == Weight.dtype) return nn.functional.linear(x, Weight);
        // Weights kept in a narrower format than the compute dtype (bfloat16 under float32) that the kernel did not take.
        using var widened = Weight.to(x.dtype);
        return nn.functional.linear(x, widened);
    }

    public void Dispose() => Weight.Dispose();
}
