using System.Text;

namespace Mixtral.Bench.Gguf;

/// <summary>
/// Writes a GGUF file (version 3, the format llama.cpp loads): the header, key–value metadata, the tensor table, then
/// each tensor's data aligned to 32 bytes. Only what exporting a model as float32 needs: scalar, string and array values,
/// float32 tensors. Tensors are declared first (so the table can hold their offsets) and their data is produced while
/// writing, one tensor at a time, so a model larger than memory can be exported.
/// </summary>
public sealed class GgufWriter
{
    private const uint Version = 3;
    private const int Alignment = 32; // general.alignment's default
    private const uint GgmlTypeF32 = 0;

    private enum ValueType : uint { UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9 }

    private readonly List<(string Key, Action<BinaryWriter> WriteValue)> _metadata = [];
    private readonly List<(string Name, long[] Ne, Func<float[]> Data)> _tensors = [];

    public void Add(string key, uint value) => _metadata.Add((key, w => { w.Write((uint)ValueType.UInt32); w.Write(value); }));
    public void Add(string key, float value) => _metadata.Add((key, w => { w.Write((uint)ValueType.Float32); w.Write(value); }));
    public void Add(string key, bool value) => _metadata.Add((key, w => { w.Write((uint)ValueType.Bool); w.Write(value); }));
    public void Add(string key, string value) => _metadata.Add((key, w => { w.Write((uint)ValueType.String); WriteString(w, value); }));

    public void Add(string key, IReadOnlyList<string> values) => AddArray(key, ValueType.String, values.Count, (w, i) => WriteString(w, values[i]));
    public void Add(string key, IReadOnlyList<float> values) => AddArray(key, ValueType.Float32, values.Count, (w, i) => w.Write(values[i]));
    public void Add(string key, IReadOnlyList<int> values) => AddArray(key, ValueType.Int32, values.Count, (w, i) => w.Write(values[i]));

    /// <summary>
    /// A float32 tensor. <paramref name="torchShape"/> is PyTorch's order (outermost first); GGUF stores ggml's order
    /// (innermost first), which is the reverse. <paramref name="data"/> is called once, while the file is written.
    /// </summary>
    public void AddTensor(string name, long[] torchShape, Func<float[]> data) =>
        _tensors.Add((name, [.. torchShape.Reverse()], data));

    public void Write(string path, Action<string>? progress = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, writeValue) in _metadata)
        {
            WriteString(w, key);
            writeValue(w);
        }
        long offset = 0;
        foreach (var (name, ne, _) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)ne.Length);
            foreach (long n in ne) w.Write((ulong)n);
            w.Write(GgmlTypeF32);
            w.Write((ulong)offset);
            offset = Align(offset + Elements(ne) * sizeof(float));
        }
        Pad(w);
        for (int i = 0; i < _tensors.Count; i++)
        {
            var (name, ne, data) = _tensors[i];
            float[] values = data();
            if (values.LongLength != Elements(ne))
                throw new InvalidOperationException($"tensor '{name}': {values.LongLength} values for shape [{string.Join(", ", ne)}]");
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            Pad(w);
            progress?.Invoke($"{i + 1}/{_tensors.Count} {name}");
        }
    }

    private void AddArray(string key, ValueType type, int count, Action<BinaryWriter, int> writeElement) =>
        _metadata.Add((key, w =>
        {
            w.Write((uint)ValueType.Array);
            w.Write((uint)type);
            w.Write((ulong)count);
            for (int i = 0; i < count; i++) writeElement(w, i);
        }));

    private static void WriteString(BinaryWriter w, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static long Elements(long[] ne) => ne.Aggregate(1L, (a, b) => a * b);
    private static long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        w.Flush();
        long position = w.BaseStream.Position;
        for (long p = position; p < Align(position); p++) w.Write((byte)0);
    }
}
