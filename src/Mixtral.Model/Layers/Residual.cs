using Mixtral.Model.Kernels;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>The residual connection x + f(x), taking ownership of f(x).</summary>
public static class Residual
{
    /// <summary>
    /// residual + update, consuming <paramref name="update"/>: on CPU the sum is written into the update's own memory and
    /// that tensor is returned (no allocation, no LibTorch call); otherwise a new tensor is returned and the update disposed.
    /// </summary>
    public static unsafe Tensor Add(Tensor residual, Tensor update) // [N, D] each
    {
        if (CpuKernels.Handles(residual) && CpuKernels.Handles(update) && residual.NumberOfElements == update.NumberOfElements)
        {
            float* r = CpuKernels.Pointer(residual), u = CpuKernels.Pointer(update);
            long count = update.NumberOfElements, i = 0;
            for (; i + 8 <= count; i += 8)
                Vector256.Store(Vector256.Load(r + i) + Vector256.Load(u + i), u + i);
            for (; i < count; i++) u[i] = r[i] + u[i];
            return update;
        }
        using (update) return residual + update;
    }
}
