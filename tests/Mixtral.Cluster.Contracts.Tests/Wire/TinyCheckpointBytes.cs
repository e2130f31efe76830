using System.Buffers.Binary;
using System.Text.Json;
using Mixtral.Testing;

namespace Mixtral.Cluster.Contracts.Tests.Wire;

/// <summary>
/// Reads one tensor's raw bytes from the tiny-mixtral fixture (safetensors: u64 header length, JSON header,
/// data). Deliberately minimal and separate from the model's checkpoint reader: it is test data, not under test.
/// </summary>
internal static class TinyCheckpointBytes
{
    public static (string DType, byte[] Bytes) Read(string tensor)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixturePaths.TinyMixtral, "model.safetensors.index.json")));
        string shard = index.RootElement.GetProperty("weight_map").GetProperty(tensor).GetString()!;
        using var file = File.OpenRead(Path.Combine(FixturePaths.TinyMixtral, shard));
        var lengthBytes = new byte[8];
        file.ReadExactly(lengthBytes);
        var headerBytes = new byte[BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes)];
        file.ReadExactly(headerBytes);
        using var header = JsonDocument.Parse(headerBytes);
        var entry = header.RootElement.GetProperty(tensor);
        var offsets = entry.GetProperty("data_offsets");
        long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
        var bytes = new byte[end - begin];
        file.Position = 8 + headerBytes.Length + begin;
        file.ReadExactly(bytes);
        return (entry.GetProperty("dtype").GetString()!, bytes);
    }
}
