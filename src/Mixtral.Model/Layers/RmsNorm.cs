using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>RMSNorm as Hugging Face computes it: x · rsqrt(mean(x²) + eps) · weight.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    private readonly bool _kernelWeight = weight.dtype == ScalarType.Float32 && weight.device_type == DeviceType.CPU && weight.is_contiguous();

    public Tensor Weight { get; } = weight; // [D]

    public Tensor Forward(Tensor x) // [N, D] → [N, D]
    {
        if (_kernelWeight && CpuKernels.Handles(x)) return ForwardOnCpu(x);
        using var scope = NewDisposeScope();
        var variance = x.pow(2).mean([-1], keepdim: true); // [N, 1]
        return (x * torch.rsqrt(variance + eps) * Weight).MoveToOuterDisposeScope();
    }

    /// <summary>One output allocation instead of six LibTorch ops.</summary>
    private unsafe Tensor ForwardOnCpu(Tensor x)
    {
        long d = Weight.shape[0];
        var y = empty_like(x); // [N, D]
        RmsNormKernel.Apply(CpuKernels.Pointer(x), CpuKernels.Pointer(Weight), CpuKernels.Pointer(y), (int)(x.NumberOfElements / d), (int)d, (float)eps);
        return y;
    }

    public void Dispose() => Weight.Dispose();
}
