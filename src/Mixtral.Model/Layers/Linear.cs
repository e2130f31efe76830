using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>y = x · Wᵀ with W in PyTorch's [out, in] layout. The one place a matrix product over weights happens,
/// so a faster kernel for a shape or a device plugs in here: on CPU in float32, few-row products (decode steps,
/// per-expert batches) run on <see cref="FastLinear"/>; everything else on LibTorch.</summary>
public sealed class Linear(Tensor weight) : IDisposable
{
    private readonly FastLinear? _fast = FastLinear.For(weight);

    public Tensor Weight { get; } = weight; // [out, in]
    public long OutFeatures => Weight.shape[0];
    public long InFeatures => Weight.shape[1];

    public Tensor Forward(Tensor x) => // [N, in] → [N, out]
        _fast is not null && _fast.TryForward(x, out var y) ? y : nn.functional.linear(x, Weight);

    public void Dispose() => Weight.Dispose();
}
