using System.Runtime.Intrinsics;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

// Legend: N tokens, D hidden, K experts per token, n tokens routed to one expert.

/// <summary>The tokens routed to one expert: their rows in the step and their routing weights, in token order.</summary>
internal sealed class HostExpertGroup(int expert, int[] rows, float[] weights)
{
    public int Expert => expert;
    public int[] Rows => rows; // [n]
    public float[] Weights => weights; // [n]

    /// <summary>The rows of x [N, D] routed here, [n, D]: x itself (an alias) when every token goes to this expert.</summary>
    public unsafe Tensor Gather(Tensor x)
    {
        long d = x.shape[1];
        if (rows.Length == x.shape[0]) return x.alias(); // rows are ascending, so all of them means 0..N-1
        var gathered = empty([rows.Length, d], ScalarType.Float32);
        float* src = CpuKernels.Pointer(x), dst = CpuKernels.Pointer(gathered);
        for (int i = 0; i < rows.Length; i++)
            new ReadOnlySpan<float>(src + rows[i] * d, (int)d).CopyTo(new Span<float>(dst + i * d, (int)d));
        return gathered;
    }
}

/// <summary>Grouping a step's tokens by expert and adding the experts' weighted outputs back, in host memory.</summary>
internal static class HostExpertGroups
{
    /// <summary>One group per selected expert, in ascending expert order (the order Hugging Face accumulates in).</summary>
    public static List<HostExpertGroup> Build(HostRouting routing, int expertCount)
    {
        var rows = new List<int>?[expertCount];
        var weights = new List<float>?[expertCount];
        for (int slot = 0; slot < routing.ExpertIds.Length; slot++)
        {
            int e = routing.ExpertIds[slot];
            (rows[e] ??= []).Add(slot / routing.PerToken);
            (weights[e] ??= []).Add(routing.Weights[slot]);
        }
        var groups = new List<HostExpertGroup>();
        for (int e = 0; e < expertCount; e++)
            if (rows[e] is { } r) groups.Add(new HostExpertGroup(e, [.. r], [.. weights[e]!]));
        return groups;
    }

    /// <summary>
    /// result [N, D] = Σ over groups of weight · output, added row by row in group order. Each product is rounded
    /// before it is added, as in Hugging Face's index_add_ of (expert output · routing weight).
    /// </summary>
    public static unsafe Tensor Combine(Tensor x, List<HostExpertGroup> groups, Tensor[] outputs)
    {
        int d = (int)x.shape[1];
        var result = zeros_like(x); // [N, D]
        float* r = CpuKernels.Pointer(result);
        for (int g = 0; g < groups.Count; g++)
        {
            using var output = Dense(outputs[g]); // [n, D]
            float* o = CpuKernels.Pointer(output);
            var group = groups[g];
            for (int i = 0; i < group.Rows.Length; i++)
                AddScaled(r + (long)group.Rows[i] * d, o + (long)i * d, group.Weights[i], d);
        }
        return result;
    }

    /// <summary>The output as a dense float32 CPU tensor (a remote backend may hand back anything else).</summary>
    private static Tensor Dense(Tensor output) =>
        CpuKernels.Handles(output) ? output.alias() : output.to(ScalarType.Float32, CPU).contiguous();

    private static unsafe void AddScaled(float* r, float* o, float weight, int d)
    {
        var w = Vector256.Create(weight);
        int j = 0;
        for (; j + 8 <= d; j += 8)
            Vector256.Store(Vector256.Load(r + j) + Vector256.Load(o + j) * w, r + j);
        for (; j < d; j++) r[j] += o[j] * weight;
    }
}
