using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mixtral.Model.Checkpoint;

/// <summary>
/// The header bytes the reference (Rust) writer produces: compact JSON, <c>__metadata__</c> first, tensors in
/// data order, padded with spaces to a multiple of 8 bytes so the data area starts 8-byte aligned.
/// </summary>
internal static class SafetensorsHeaderWriter
{
    public sealed record Entry(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End);

    public static byte[] Serialize(IEnumerable<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping matches serde_json for the ASCII names checkpoints use.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var entry in entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToString());
                json.WriteStartArray("shape");
                foreach (long dim in entry.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(entry.Begin);
                json.WriteNumberValue(entry.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
