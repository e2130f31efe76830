using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>y = x · Wᵀ with W in PyTorch's [out, in] layout. The one place a matrix product over weights happens,
/// so a faster kernel for a shape or a device plugs in here.</summary>
public sealed class Linear(Tensor weight) : IDisposable
{
    public Tensor Weight { get; } = weight; // [out, in]
    public long OutFeatures => Weight.shape[0];
    public long InFeatures => Weight.shape[1];

    public Tensor Forward(Tensor x) => nn.functional.linear(x, Weight); // [N, in] → [N, out]

    public void Dispose() => Weight.Dispose();
}
