using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>RMSNorm as Hugging Face computes it: x · rsqrt(mean(x²) + eps) · weight.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    public Tensor Weight { get; } = weight; // [D]

    public Tensor Forward(Tensor x) // [N, D] → [N, D]
    {
        using var scope = NewDisposeScope();
        var variance = x.pow(2).mean([-1], keepdim: true); // [N, 1]
        return (x * torch.rsqrt(variance + eps) * Weight).MoveToOuterDisposeScope();
    }

    public void Dispose() => Weight.Dispose();
}
