using TorchSharp;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// Byte spans over the memory of a contiguous CPU tensor, so files are read into and written from it with no
/// staging buffer. TorchSharp's <c>Tensor.bytes</c> is one <see cref="Span{T}"/>, which stops at 2 GiB, so a
/// larger tensor is visited in slices of a flat view, each one a span over the same memory.
/// </summary>
internal static class TensorMemory
{
    internal delegate void ChunkAction(Span<byte> chunk, long byteOffset);

    private const long DefaultMaxChunkBytes = 1L << 30;

    public static long ByteLength(torch.Tensor tensor) => tensor.NumberOfElements * tensor.ElementSize;

    public static void ForEachChunk(torch.Tensor tensor, ChunkAction action, long maxChunkBytes = DefaultMaxChunkBytes)
    {
        long total = ByteLength(tensor);
        if (total == 0) return;
        if (total <= maxChunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }
        long elementsPerChunk = Math.Max(1, maxChunkBytes / tensor.ElementSize);
        using var flat = tensor.view(-1);
        for (long first = 0; first < tensor.NumberOfElements; first += elementsPerChunk)
        {
            using var slice = flat.narrow(0, first, Math.Min(elementsPerChunk, tensor.NumberOfElements - first));
            action(slice.bytes, first * tensor.ElementSize);
        }
    }

    /// <summary>Runs <paramref name="action"/> on the tensor itself when it is a contiguous CPU tensor, else on a contiguous CPU copy.</summary>
    public static void WithContiguousCpu(torch.Tensor tensor, Action<torch.Tensor> action)
    {
        if (tensor.device_type != DeviceType.CPU)
        {
            using var cpu = tensor.cpu();
            WithContiguousCpu(cpu, action);
        }
        else if (!tensor.is_contiguous())
        {
            using var contiguous = tensor.contiguous();
            action(contiguous);
        }
        else
        {
            action(tensor);
        }
    }
}
