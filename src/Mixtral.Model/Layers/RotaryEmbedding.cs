using Mixtral.Model.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Mixtral.Model.Layers;

/// <summary>
/// Rotary position embedding (RoPE), "rotate half" layout as in Hugging Face's Mixtral. The cos/sin table is
/// computed with HF's float32 formula (inv_freq = 1 / theta^(2i/d); angle = position · inv_freq) so values
/// match bit for bit, and grows on demand instead of being sized for the 32k context up front.
/// </summary>
public sealed class RotaryEmbedding(int headDim, double theta, Device device) : IDisposable
{
    private readonly Tensor _invFreq = ComputeInverseFrequencies(headDim, theta, device); // [hd/2]
    private Tensor _cos = empty(0, headDim, device: device); // [P, hd]
    private Tensor _sin = empty(0, headDim, device: device); // [P, hd]

    /// <summary>Rotates x [N, heads, hd] in place of a copy; positions [N] (int64).</summary>
    public Tensor Apply(Tensor x, Tensor positions, long maxPosition)
    {
        EnsureTable(maxPosition + 1);
        using var scope = NewDisposeScope();
        var cos = _cos.index_select(0, positions).unsqueeze(1).to(x.dtype); // [N, 1, hd]
        var sin = _sin.index_select(0, positions).unsqueeze(1).to(x.dtype); // [N, 1, hd]
        long half = headDim / 2;
        var x1 = x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)];
        var x2 = x[TensorIndex.Ellipsis, TensorIndex.Slice(half, null)];
        var rotated = cat([-x2, x1], -1); // [N, heads, hd]
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rotates x [N, heads·hd] in place with the CPU kernel (x must be a dense float32 CPU tensor, see
    /// <see cref="CpuKernels.Handles"/>); positions [N] on the host. Same values as <see cref="Apply"/>.
    /// </summary>
    public unsafe void ApplyInPlace(Tensor x, ReadOnlySpan<long> positions)
    {
        long max = 0;
        foreach (long p in positions) max = Math.Max(max, p);
        EnsureTable(max + 1);
        long width = x.shape[^1];
        RopeKernel.Apply(CpuKernels.Pointer(x), width, positions.Length, (int)(width / headDim), headDim, positions,
            CpuKernels.Pointer(_cos), CpuKernels.Pointer(_sin));
    }

    private void EnsureTable(long needed)
    {
        if (_cos.shape[0] >= needed) return;
        long size = Math.Max(needed, Math.Max(256, _cos.shape[0] * 2));
        using var scope = NewDisposeScope();
        var positions = arange(size, dtype: ScalarType.Float32, device: _invFreq.device); // [P]
        var freqs = outer(positions, _invFreq); // [P, hd/2]
        var emb = cat([freqs, freqs], -1); // [P, hd]
        _cos.Dispose();
        _sin.Dispose();
        // The table outlives every caller's dispose scope: detach it, this object owns it.
        _cos = emb.cos().DetachFromDisposeScope();
        _sin = emb.sin().DetachFromDisposeScope();
    }

    private static Tensor ComputeInverseFrequencies(int headDim, double theta, Device device)
    {
        using var scope = NewDisposeScope();
        // HF: 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim)), all in float32.
        var exponents = arange(0, headDim, 2, dtype: ScalarType.Int64, device: device).to(ScalarType.Float32) / headDim;
        var inv = 1.0f / pow(tensor((float)theta, device: device), exponents);
        return inv.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        _invFreq.Dispose();
        _cos.Dispose();
        _sin.Dispose();
    }
}
