using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

// Legend: N tokens, D hidden, n tokens routed to one expert.

/// <summary>The tokens routed to one expert: their rows in the step and their routing weights, in token order.</summary>
internal sealed class HostExpertGroup(int expert, int[] rows, float[] weights)
{
    public int Expert => expert;
    public int[] Rows => rows; // [n]
    public float[] Weights => weights; // [n]

    /// <summary>The rows of x [N, D] routed here, [n, D]: x itself when every token goes to this expert (rows are
    /// ascending, so all of them means 0..N-1); the caller disposes what is not x.</summary>
    public unsafe Tensor Gather(Tensor x)
    {
        long d = x.size(1);
        if (rows.Length == x.size(0)) return x;
        var gathered = empty([rows.Length, d], ScalarType.Float32);
        float* src = CpuKernels.Pointer(x), dst = CpuKernels.Pointer(gathered);
        for (int i = 0; i < rows.Length; i++)
            new ReadOnlySpan<float>(src + rows[i] * d, (int)d).CopyTo(new Span<float>(dst + i * d, (int)d));
        return gathered;
    }
}
