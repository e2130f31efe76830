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
    public ExpertWeights(Linear w1, Linear w2, Linear w3)
    {
        (W1, W2, W3) = (w1, w2, w3);
        _swiGlu = FastSwiGlu.For(w1.Weight, w3.Weight);
    }

    public ExpertWeights(QuantizedExpert quantized) => Quantized = quantized;

    public Linear? W1 { get; } // [I, D], null when quantized
    public Linear? W2 { get; } // [D, I]
    public Linear? W3 { get; } // [I, D]

    /// <summary>The quantized matrices, or null for dense ones.</summary>
    public QuantizedExpert? Quantized { get; }

    public ExpertWeightFormat Format => Quantized?.Format ?? ExpertWeightFormat.Dense;

    /// <summary>W1 and W3 in one pass with the activation fused, where the CPU kernels apply.</summary>
    private readonly FastSwiGlu? _swiGlu;

    /// <summary>Bytes the three matrices occupy in memory.</summary>
    public long ResidentBytes => Quantized?.ResidentBytes ?? new[] { W1!, W2!, W3! }.Sum(l => l.Weight.NumberOfElements * l.Weight.ElementSize);

    public Tensor Forward(Tensor rows) // [n, D] → [n, D]
    {
        if (Quantized is not null) return Quantized.Forward(rows);
        if (_swiGlu is not null && W2!.Kernel is { } down && _swiGlu.Accepts(rows)) return ForwardOnCpu(rows, _swiGlu, down);
        using var scope = NewDisposeScope();
        var gate = nn.functional.silu(W1!.Forward(rows)); // [n, I]
        var up = W3!.Forward(rows); // [n, I]
        return W2!.Forward(gate.mul_(up)).MoveToOuterDisposeScope();
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
        W1?.Dispose();
        W2?.Dispose();
        W3?.Dispose();
        Quantized?.Dispose();
    }
}
