using System.Runtime.Intrinsics;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

// Legend: N tokens, D hidden, K experts per token, n tokens routed to one expert.

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
        int d = (int)x.size(1);
        var result = zeros_like(x); // [N, D]
        float* r = CpuKernels.Pointer(result);
        for (int g = 0; g < groups.Count; g++)
        {
            using var converted = CpuKernels.Handles(outputs[g]) ? null : Dense(outputs[g]);
            float* o = CpuKernels.Pointer(converted ?? outputs[g]); // [n, D]
            var group = groups[g];
            for (int i = 0; i < group.Rows.Length; i++)
                AddScaled(r + (long)group.Rows[i] * d, o + (long)i * d, group.Weights[i], d);
        }
        return result;
    }

    /// <summary>The output as a dense float32 CPU tensor (a remote backend may hand back another dtype or layout).</summary>
    private static Tensor Dense(Tensor output)
    {
        using var moved = output.to(ScalarType.Float32, CPU);
        return moved.contiguous(); // its own handle (on the same storage when already dense): the caller disposes it
    }

    private static unsafe void AddScaled(float* r, float* o, float weight, int d)
    {
        var w = Vector256.Create(weight);
        int j = 0;
        for (; j + 8 <= d; j += 8)
            Vector256.Store(Vector256.Load(r + j) + Vector256.Load(o + j) * w, r + j);
        for (; j < d; j++) r[j] += o[j] * weight;
    }
}
