using Mixtral.Model.Checkpoint;
using Mixtral.Model.Config;
using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using Mixtral.Model.Layers;
using Mixtral.Model.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Experts;

/// <summary>
/// One SwiGLU expert: Expert(x) = W2(silu(W1 x) ⊙ W3 x). Used by the single-process engine and by the
/// cluster's expert grains alike, so both compute exactly the same thing. The matrices are dense tensors, or quantized
/// (<see cref="ExpertWeightFormat"/>) when <see cref="Quantized"/> is set.
/// </summary>
public sealed class ExpertWeights : IDisposable
{
    /// <summary>Gate <paramref name="w1"/> and up <paramref name="w3"/> are fused into one <see cref="GateUpProjection"/>
    /// (and disposed: the expert keeps only the fused copy); <paramref name="w2"/> is kept as the down projection.</summary>
    public ExpertWeights(Linear w1, Linear w2, Linear w3)
    {
        using (w1)
        using (w3)
            GateUp = GateUpProjection.Fuse(w1.Weight, w3.Weight);
        W2 = w2;
    }

    public ExpertWeights(QuantizedExpert quantized) => Quantized = quantized;

    /// <summary>silu(x · W1ᵀ) ⊙ (x · W3ᵀ) over W1 and W3 in one tensor; null when quantized.</summary>
    public GateUpProjection? GateUp { get; }

    public Linear? W2 { get; } // [D, I], null when quantized

    /// <summary>The quantized matrices, or null for dense ones.</summary>
    public QuantizedExpert? Quantized { get; }

    public ExpertWeightFormat Format => Quantized?.Format ?? ExpertWeightFormat.Dense;

    /// <summary>Bytes the three matrices occupy in memory.</summary>
    public long ResidentBytes => Quantized?.ResidentBytes ?? Bytes(GateUp!.Weight) + Bytes(W2!.Weight);

    public Tensor Forward(Tensor rows) // [n, D] → [n, D]
    {
        if (Quantized is not null) return Quantized.Forward(rows);
        if (GateUp!.Kernel is { } upAndGate && W2!.Kernel is { } down && upAndGate.Accepts(rows)) return ForwardOnCpu(rows, upAndGate, down);
        using var activated = GateUp.Forward(rows); // [n, I]
        return W2!.Forward(activated);
    }

    /// <summary>Both halves on the kernels, the activation in per-thread scratch memory: one tensor allocated. Rows go
    /// through in blocks of <see cref="FastLinear.MaxRows"/> (bfloat16 weights take prompts of any length this way).</summary>
    private static unsafe Tensor ForwardOnCpu(Tensor rows, FastSwiGlu upAndGate, FastLinear down)
    {
        int n = (int)rows.size(0), block = Math.Min(n, FastLinear.MaxRows);
        var output = empty([n, down.OutFeatures], ScalarType.Float32); // [n, D]
        float* x = CpuKernels.Pointer(rows), y = CpuKernels.Pointer(output);
        float* activated = Scratch.Floats((long)block * upAndGate.Intermediate); // [block, I]
        for (int first = 0; first < n; first += block)
        {
            int count = Math.Min(block, n - first);
            upAndGate.Run(x + (long)first * upAndGate.Hidden, activated, count);
            down.Run(activated, y + (long)first * down.OutFeatures, count);
        }
        return output;
    }

    private static long Bytes(Tensor t) => t.NumberOfElements * t.ElementSize;

    /// <summary>Loads exactly the three tensors of expert <paramref name="expert"/> of <paramref name="layer"/>, quantizing
    /// them as they arrive when <paramref name="format"/> asks for it (or reading them quantized from <paramref name="quantizedCache"/>).</summary>
    public static ExpertWeights Load(WeightLoader loader, MixtralConfig config, int layer, int expert, ExpertWeightFormat format = ExpertWeightFormat.Dense,
        string? quantizedCache = null)
    {
        if (format != ExpertWeightFormat.Dense) return new ExpertWeights(ExpertQuantizer.Load(loader, config, layer, expert, format, quantizedCache));
        Linear Load(ExpertMatrix m) => new(loader.LoadMatrix(TensorNames.Expert(layer, expert, m), TensorNames.ExpertShape(config, m)));
        return new ExpertWeights(Load(ExpertMatrix.W1), Load(ExpertMatrix.W2), Load(ExpertMatrix.W3));
    }

    public void Dispose()
    {
        GateUp?.Dispose();
        W2?.Dispose();
        Quantized?.Dispose();
    }
}
