using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// Builds one safetensors file from tensors handed over one at a time, holding none of them: each tensor's
/// bytes go to a spill file at once (deleted on dispose); <see cref="WriteTo"/> then lays the file out as the
/// reference writer does (descending dtype, then name), which needs every name before the header can be written.
/// </summary>
internal sealed class SafetensorsFileBuilder : IDisposable
{
    private const int CopyBufferBytes = 1 << 20;

    private readonly SafeFileHandle _spill;
    private readonly List<Spilled> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public SafetensorsFileBuilder(string spillPath) =>
        _spill = File.OpenHandle(spillPath, FileMode.Create, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);

    public long DataBytes { get; private set; }
    public int Count => _tensors.Count;
    public IEnumerable<string> Names => _tensors.Select(t => t.Name);

    public void Add(string name, torch.Tensor tensor)
    {
        var dtype = SafetensorsDTypes.FromScalarType(tensor.dtype)
            ?? throw new ArgumentException($"tensor '{name}': {tensor.dtype} has no safetensors dtype", nameof(tensor));
        if (name == SafetensorsHeader.MetadataKey)
            throw new ArgumentException($"'{name}' is reserved for the header's metadata", nameof(name));
        if (!_names.Add(name))
            throw new ArgumentException($"tensor '{name}' is written twice", nameof(name));

        long offset = DataBytes;
        TensorMemory.WithContiguousCpu(tensor, t =>
            TensorMemory.ForEachChunk(t, (chunk, at) => RandomAccess.Write(_spill, chunk, offset + at)));
        long bytes = TensorMemory.ByteLength(tensor);
        _tensors.Add(new Spilled(name, dtype, tensor.shape, offset, bytes));
        DataBytes += bytes;
    }

    public void WriteTo(string path, IReadOnlyDictionary<string, string>? metadata)
    {
        var ordered = _tensors.OrderByDescending(t => t.DType).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        var entries = new List<SafetensorsHeaderWriter.Entry>(ordered.Count);
        long begin = 0;
        foreach (var t in ordered)
        {
            entries.Add(new SafetensorsHeaderWriter.Entry(t.Name, t.DType, t.Shape, begin, begin + t.Length));
            begin += t.Length;
        }
        byte[] header = SafetensorsHeaderWriter.Serialize(entries, metadata);

        using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, CopyBufferBytes);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        output.Write(length);
        output.Write(header);
        var buffer = new byte[CopyBufferBytes];
        foreach (var t in ordered)
        {
            for (long copied = 0; copied < t.Length;)
            {
                int read = RandomAccess.Read(_spill, buffer.AsSpan(0, (int)Math.Min(buffer.Length, t.Length - copied)), t.SpillOffset + copied);
                if (read == 0) throw new IOException($"spill file of {path} ended early");
                output.Write(buffer, 0, read);
                copied += read;
            }
        }
    }

    public void Dispose() => _spill.Dispose();

    private sealed record Spilled(string Name, SafetensorsDType DType, long[] Shape, long SpillOffset, long Length);
}
