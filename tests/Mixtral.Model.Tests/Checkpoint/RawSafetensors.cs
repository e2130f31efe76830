using System.Buffers.Binary;
using System.Text.Json;
using Mixtral.Model.Config;

namespace Mixtral.Model.Tests.Checkpoint;

/// <summary>
/// A safetensors file read the plain way, as an oracle independent of the reader under test:
/// System.Text.Json over the header, a FileStream for the bytes.
/// </summary>
internal sealed class RawSafetensors
{
    private readonly string _path;

    private RawSafetensors(string path, long headerLength, JsonElement header)
    {
        _path = path;
        HeaderLength = headerLength;
        Header = header;
    }

    public long HeaderLength { get; }
    public JsonElement Header { get; }
    public long DataStart => 8 + HeaderLength;

    public static RawSafetensors Open(string path)
    {
        using var stream = File.OpenRead(path);
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        long length = (long)BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var json = new byte[length];
        stream.ReadExactly(json);
        using var doc = JsonDocument.Parse(json);
        return new RawSafetensors(path, length, doc.RootElement.Clone());
    }

    public IEnumerable<string> TensorNames =>
        Header.EnumerateObject().Select(p => p.Name).Where(n => n != "__metadata__");

    public string DType(string name) => Header.GetProperty(name).GetProperty("dtype").GetString()!;

    public long[] Shape(string name) => [.. Header.GetProperty(name).GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];

    public (long Begin, long End) Offsets(string name)
    {
        var offsets = Header.GetProperty(name).GetProperty("data_offsets");
        return (offsets[0].GetInt64(), offsets[1].GetInt64());
    }

    public byte[] Bytes(string name)
    {
        var (begin, end) = Offsets(name);
        using var stream = File.OpenRead(_path);
        stream.Seek(DataStart + begin, SeekOrigin.Begin);
        var bytes = new byte[end - begin];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
