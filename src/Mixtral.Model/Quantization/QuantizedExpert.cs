using Mixtral.Model.Inference;
using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Quantization;

// Legend: n rows routed to the expert, D hidden, I intermediate.

/// <summary>
/// One SwiGLU expert over quantized matrices: W2(silu(W1 x) ⊙ W3 x) with W1, W3 [I, D] and W2 [D, I] in
/// <see cref="Format"/>. On the CPU kernels x and the activation are quantized for the format (int8 weights: int16 per
/// row, <see cref="QuantDotKernel"/>; q4: int8 per 256 columns, <see cref="Q4Kernel"/>) and every product is in
/// integers; rows go through 32 at a time, so any number of rows is taken.
/// Where the kernels are off (<see cref="CpuKernels.Suspend"/>, a CPU without AVX2) the matrices are dequantized for the
/// call and LibTorch multiplies in float32.
/// </summary>
public sealed unsafe class QuantizedExpert(QuantizedMatrix w1, QuantizedMatrix w2, QuantizedMatrix w3) : IDisposable
{
    public QuantizedMatrix W1 { get; } = w1; // [I, D]
    public QuantizedMatrix W2 { get; } = w2; // [D, I]
    public QuantizedMatrix W3 { get; } = w3; // [I, D]

    public ExpertWeightFormat Format => W1.Format;
    public long ResidentBytes => W1.ResidentBytes + W2.ResidentBytes + W3.ResidentBytes;

    public Tensor Forward(Tensor rows) // [n, D] → [n, D]
    {
        if (!QuantDotKernel.IsSupported || !CpuKernels.Handles(rows) || rows.dim() != 2 || rows.size(1) != W1.Columns)
            return ForwardOnLibTorch(rows);
        int n = (int)rows.size(0), d = W1.Columns, i = W1.Rows;
        var output = empty([n, d], ScalarType.Float32); // [n, D]
        float* x = CpuKernels.Pointer(rows), y = CpuKernels.Pointer(output);
        int block = Math.Min(n, FastLinear.MaxRows);
        float* activated = Scratch.Floats((long)block * i); // [block, I]
        QuantScratch.For(block, Math.Max(W1.ActivationRowLength, W2.ActivationRowLength), out short* codes, out float* scales);
        for (int first = 0; first < n; first += block)
        {
            int count = Math.Min(block, n - first);
            QuantizedProducts.SwiGlu(W1, W3, x + (long)first * d, count, codes, scales, activated);
            QuantizedProducts.Multiply(W2, activated, count, codes, scales, y + (long)first * d);
        }
        GC.KeepAlive(rows);
        return output;
    }

    private Tensor ForwardOnLibTorch(Tensor rows)
    {
        using var scope = NewDisposeScope();
        var x = rows.to(ScalarType.Float32);
        var gate = nn.functional.silu(nn.functional.linear(x, W1.Dequantize().to(x.device))); // [n, I]
        var up = nn.functional.linear(x, W3.Dequantize().to(x.device)); // [n, I]
        return nn.functional.linear(gate.mul_(up), W2.Dequantize().to(x.device)).to(rows.dtype).MoveToOuterDisposeScope(); // [n, D]
    }

    public void Dispose()
    {
        W1.Dispose();
        W2.Dispose();
        W3.Dispose();
    }
}
