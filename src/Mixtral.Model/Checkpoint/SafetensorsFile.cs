using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using Mixtral.Model.Config;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// One safetensors file: the header is parsed and validated on <see cref="Open"/>; tensors are read on demand
/// with positioned reads straight into the memory of the tensor that is returned. The file is never read whole,
/// so a node that owns a few tensors of a shard touches only their bytes.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>The reference implementation's limit: a larger header is corruption or an attack, not a model.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle _handle;

    private SafetensorsFile(SafeFileHandle handle, string path, long length, SafetensorsHeader header)
    {
        _handle = handle;
        Path = path;
        Length = length;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
    }

    public string Path { get; }
    public long Length { get; }
    public IReadOnlyDictionary<string, TensorEntry> Tensors { get; }
    /// <summary>The header's <c>__metadata__</c> (save_pretrained writes <c>{"format": "pt"}</c>); empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelFormatException($"{path}: file not found", e);
        }
        try
        {
            long length = RandomAccess.GetLength(handle);
            return new SafetensorsFile(handle, path, length, ReadHeader(handle, path, length));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public TensorEntry Describe(string name) =>
        Tensors.TryGetValue(name, out var entry) ? entry : throw new ModelFormatException($"{Path}: no tensor named '{name}'");

    /// <summary>
    /// Reads a tensor into new CPU memory in its stored dtype, then converts it when <paramref name="convertTo"/>
    /// differs (bf16 and f16 to f32 are exact). Dtypes torch cannot hold (U16, U32, U64, fp8) are an error.
    /// </summary>
    public torch.Tensor Read(string name, torch.ScalarType? convertTo = null)
    {
        var entry = Describe(name);
        var stored = SafetensorsDTypes.ToScalarType(entry.DType)
            ?? throw new ModelFormatException($"{Path}: tensor '{name}': unsupported dtype {entry.DType} (torch has no such element type)");
        var tensor = torch.empty(entry.Shape, dtype: stored);
        try
        {
            TensorMemory.ForEachChunk(tensor, (chunk, offset) =>
                ReadExactly(_handle, chunk, entry.DataOffset + offset, Path, $"tensor '{name}'"));
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        if (convertTo is null || convertTo == stored) return tensor;
        using (tensor) return tensor.to(convertTo.Value);
    }

    public void Dispose() => _handle.Dispose();

    private static SafetensorsHeader ReadHeader(SafeFileHandle handle, string path, long length)
    {
        if (length < 8)
            throw new ModelFormatException(
                $"{path}: the file is {length} bytes, shorter than the 8-byte header length every safetensors file starts with");
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(handle, prefix, 0, path, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
            throw new ModelFormatException(
                $"{path}: the header length {headerLength} is over the {MaxHeaderBytes}-byte limit (a corrupt or hostile file)");
        if ((long)headerLength > length - 8)
            throw new ModelFormatException($"{path}: the header length {headerLength} runs past the end of the file ({length} bytes)");

        var json = new byte[headerLength];
        ReadExactly(handle, json, 8, path, "the header");
        long dataStart = 8 + (long)headerLength;
        return SafetensorsHeader.Parse(json, path, dataStart, length - dataStart);
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (read == 0)
                throw new ModelFormatException($"{path}: the file ends at byte {offset + done}, inside {what} (was it truncated?)");
            done += read;
        }
    }
}
